/**
 * One live window → gate → features → probabilities: the per-window work of the streaming classifier (it runs
 * inside the classifier's worker thread) and of the live benchmark.
 *
 * Features are exactly training's (`FeatureExtractor` from the model's metadata: mel dB, 7 chunks, the model's
 * scaler) with one documented difference: training reads each file from `featureConfig.offset` (0.5 s, to skip
 * RAVDESS's leading silence); a live window has no lead-in to skip, so the offset is not applied: the window is
 * simply the last `featureConfig.duration` seconds (3 s = 144,000 samples at 48 kHz) of the stream.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { FeatureConfig, FeatureExtractor } from '../audio/features.js';
import type { StandardScaler } from '../audio/scaler.js';
import { predict } from '../model/index.js';
import { DEFAULT_GATE, gateWindow, type GateOptions } from './gate.js';

/** What the classifier needs of a model: `ExportedModel` from training/exported.ts has this shape. */
export interface WindowModel {
  model: LayersModel;
  extractor: FeatureExtractor;
  scaler: StandardScaler;
  metadata: { featureConfig: FeatureConfig };
}

export interface WindowResult {
  /** Whole-window RMS, linear. */
  rms: number;
  dbfs: number;
  voicedFraction: number;
  voiced: boolean;
  /** Class probabilities in EMOTIONS order; null for a window the gate called silent (no inference ran). */
  probs: number[] | null;
  /** Mel dB + chunks + scaler, ms (0 when gated out). */
  featuresMs: number;
  /** Model forward pass including reading the result back, ms (0 when gated out). */
  inferenceMs: number;
}

export class WindowClassifier {
  readonly windowFrames: number;
  readonly sampleRate: number;
  readonly gate: GateOptions;
  readonly #m: WindowModel;
  readonly #shape: [number, number, number, number, number];
  #melBuf: Float32Array | undefined;
  #chunkBuf: Float32Array | undefined;

  constructor(m: WindowModel, gate: Partial<GateOptions> = {}) {
    this.#m = m;
    const cfg = m.metadata.featureConfig;
    this.sampleRate = cfg.mel.sampleRate;
    this.windowFrames = Math.floor(cfg.duration * cfg.mel.sampleRate);
    this.gate = { ...DEFAULT_GATE, ...gate };
    this.#shape = [1, cfg.chunks.count, cfg.mel.nMels, cfg.chunks.width, 1];
  }

  /** Classifies one window of exactly `windowFrames` samples at `sampleRate` (48 kHz mono float). */
  classify(samples: Float32Array): WindowResult {
    if (samples.length !== this.windowFrames) throw new RangeError(`a live window must hold ${this.windowFrames} samples, got ${samples.length}`);
    const g = gateWindow(samples, this.sampleRate, this.gate);
    if (!g.voiced) return { ...g, probs: null, featuresMs: 0, inferenceMs: 0 };
    const t0 = performance.now();
    const x = this.features(samples);
    const t1 = performance.now();
    const probs = this.infer(x);
    const t2 = performance.now();
    return { ...g, probs, featuresMs: t1 - t0, inferenceMs: t2 - t1 };
  }

  /** The scaled model input (chunks × mel × frames, flattened) of one window; reuses its buffers. */
  features(samples: Float32Array): Float32Array {
    const ex = this.#m.extractor;
    this.#melBuf = ex.melDbOf(samples, this.#melBuf);
    const nFrames = ex.mel.frameCount(samples.length);
    this.#chunkBuf = ex.chunksOf(this.#melBuf, nFrames, this.#chunkBuf);
    this.#m.scaler.transform(this.#chunkBuf, this.#chunkBuf);
    return this.#chunkBuf;
  }

  /** Probabilities for one scaled input. */
  infer(x: Float32Array): number[] {
    const xs = tf.tensor(x, this.#shape);
    try {
      const p = predict(this.#m.model, xs);
      try {
        return Array.from(p.dataSync());
      } finally {
        p.dispose();
      }
    } finally {
      xs.dispose();
    }
  }
}
