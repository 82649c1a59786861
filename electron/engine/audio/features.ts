/**
 * The feature pipeline shared by training, evaluation and live inference: file → 48 kHz mono 3 s clip →
 * mel dB (128 × 563) → 7 chunks (7 × 128 × 128). The config is stored with every run and model; live
 * inference checks it matches (a mismatch is an error, never a silent difference).
 */
import { createHash } from 'node:crypto';
import { splitChunks, PAPER_CHUNKS, type ChunkConfig } from './chunks.js';
import { decodeClip, loadClip, type LoadedClip } from './load.js';
import { MelSpectrogram, PAPER_MEL_CONFIG, type MelConfig } from './melSpectrogram.js';
import { subtractBandMeans } from './melNorm.js';
import type { MelNorm } from '../../shared/melNorms.js';

export interface FeatureConfig {
  /** Seconds skipped at the start of each file (0.5: RAVDESS clips begin with silence). */
  offset: number;
  /** Seconds per clip (3). Shorter clips are zero-padded, longer ones cut. */
  duration: number;
  mel: MelConfig;
  chunks: ChunkConfig;
  /** Per-clip normalisation of the mel dB (melNorm.ts); absent = none, the paper's features (and their old hashes). */
  melNorm?: MelNorm;
}

export const PAPER_FEATURES: Readonly<FeatureConfig> = Object.freeze({
  offset: 0.5,
  duration: 3,
  mel: { ...PAPER_MEL_CONFIG },
  chunks: { ...PAPER_CHUNKS },
});

/** The features a run trains on: the paper's, with the mel normalisation it asks for. */
export function runFeatures(melNorm: MelNorm | undefined): Readonly<FeatureConfig> {
  return melNorm ? Object.freeze({ ...PAPER_FEATURES, melNorm }) : PAPER_FEATURES;
}

/** Stable hash of a feature config: cache keys and model/run compatibility checks. */
export function featureConfigHash(cfg: FeatureConfig): string {
  const canon = JSON.stringify(cfg, Object.keys(flatten(cfg)).sort());
  return createHash('sha256').update(canon).digest('hex').slice(0, 16);
}

function flatten(o: object, into: Record<string, true> = {}): Record<string, true> {
  for (const [k, v] of Object.entries(o)) {
    into[k] = true;
    if (v && typeof v === 'object') flatten(v as object, into);
  }
  return into;
}

export interface ClipFeatures {
  clip: LoadedClip;
  /** nMels × nFrames, mel-major. */
  melDb: Float32Array;
  nMels: number;
  nFrames: number;
}

/** Reuses one MelSpectrogram (window, filterbank, FFT buffers) per config. */
export class FeatureExtractor {
  readonly config: FeatureConfig;
  readonly mel: MelSpectrogram;

  constructor(config: FeatureConfig = PAPER_FEATURES) {
    this.config = config;
    this.mel = new MelSpectrogram(config.mel);
  }

  get frames(): number {
    return this.mel.frameCount(Math.floor(this.config.duration * this.config.mel.sampleRate));
  }

  get chunkSize(): number {
    const { count, width } = this.config.chunks;
    return count * this.config.mel.nMels * width;
  }

  /** Mel dB of an already loaded clip (samples at mel.sampleRate), normalised as the config says: every path's mel. */
  melDbOf(samples: Float32Array, out?: Float32Array): Float32Array {
    const melDb = this.mel.compute(samples, out);
    if (this.config.melNorm === 'utterance') subtractBandMeans(melDb, this.config.mel.nMels, this.mel.frameCount(samples.length));
    return melDb;
  }

  chunksOf(melDb: Float32Array, nFrames: number, out?: Float32Array): Float32Array {
    return splitChunks(melDb, this.config.mel.nMels, nFrames, this.config.chunks, out);
  }

  async fromFile(path: string, overrides: { offset?: number; duration?: number } = {}): Promise<ClipFeatures> {
    const clip = await loadClip(path, {
      sampleRate: this.config.mel.sampleRate,
      offset: overrides.offset ?? this.config.offset,
      duration: overrides.duration ?? this.config.duration,
    });
    return this.#fromClip(clip);
  }

  async fromBytes(bytes: Uint8Array, name: string): Promise<ClipFeatures> {
    const clip = await decodeClip(bytes, name, { sampleRate: this.config.mel.sampleRate, offset: this.config.offset, duration: this.config.duration });
    return this.#fromClip(clip);
  }

  #fromClip(clip: LoadedClip): ClipFeatures {
    const melDb = this.melDbOf(clip.samples);
    return { clip, melDb, nMels: this.config.mel.nMels, nFrames: this.mel.frameCount(clip.samples.length) };
  }
}
