/**
 * Live benchmark (issue 6): per-window cost of the streaming classifier with the paper's full model (random
 * weights: latency does not depend on what the weights are), on wasm unless SER_BACKEND says otherwise.
 *  - live/infer: the model's forward pass for one 3 s window (batch 1), result read back;
 *  - live/window: gate + mel dB + chunks + scaler + inference of one voiced window, in one thread;
 *  - live/stream: what `ser live` reports as latencyMs: from a block's arrival on the main thread to the event,
 *    through the worker thread (a synthetic 48 kHz source feeds 20 ms blocks in real time; one window per 0.5 s).
 * Goal: under 50 ms median per window.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FeatureExtractor, PAPER_FEATURES } from '../electron/engine/audio/features.js';
import { StandardScaler } from '../electron/engine/audio/scaler.js';
import { EMOTIONS } from '../electron/shared/labels.js';
import { RingBuffer } from '../electron/shared/ringBuffer.js';
import { StreamingClassifier } from '../electron/engine/live/streamingClassifier.js';
import { WindowClassifier } from '../electron/engine/live/windowClassifier.js';
import { buildModel, saveModel } from '../electron/engine/model/index.js';
import { isBackendName, selectBackend } from '../native/tf/backends.js';
import { median, round3, time, type BenchResult } from './stats.js';

const RATE = 48_000;

/** 3 s of speech-like sound: a gliding harmonic tone with syllable-rate amplitude modulation, plus a little noise. */
function speechLike(seconds: number, seed = 1): Float32Array {
  const n = Math.round(seconds * RATE);
  const x = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const t = i / RATE;
    const f0 = 140 + 40 * Math.sin(2 * Math.PI * 0.7 * t);
    const env = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t);
    let v = 0;
    for (let h = 1; h <= 6; h++) v += Math.sin(2 * Math.PI * f0 * h * t) / h;
    x[i] = 0.1 * env * v + ((s / 2 ** 32) - 0.5) * 0.002;
  }
  return x;
}

export async function benchLive(opts: { runs?: number } = {}): Promise<BenchResult[]> {
  const forced = process.env.SER_BACKEND;
  const backend = forced && isBackendName(forced) ? forced : 'wasm';
  await selectBackend({ backend });
  const runs = opts.runs ?? 30;
  const model = buildModel({ seed: 7 });
  const extractor = new FeatureExtractor(PAPER_FEATURES);
  // A scaler with real (non-trivial) statistics: fitted on two synthetic windows' features.
  const scaler = new StandardScaler(extractor.chunkSize);
  for (const seed of [1, 2]) {
    const mel = extractor.melDbOf(speechLike(3, seed));
    scaler.partialFit(extractor.chunksOf(mel, extractor.frames));
  }
  const m = { model, extractor, scaler, metadata: { featureConfig: PAPER_FEATURES } };
  const wc = new WindowClassifier(m);
  const window = speechLike(3);
  const x = wc.features(window).slice();
  if (!wc.classify(window).voiced) throw new Error('bench: the synthetic window did not pass the silence gate');

  const out: BenchResult[] = [];
  out.push({ ...(await time(`live/infer/${backend}`, () => wc.infer(x), { runs, warmup: 5 })), backend, what: 'paper model forward pass, 1 window' });
  out.push({ ...(await time(`live/window/${backend}`, () => wc.classify(window), { runs, warmup: 5 })), backend, what: 'gate + features + scaler + inference, 1 window' });

  // End to end through the worker thread, as `ser live` runs it.
  const dir = await mkdtemp(join(tmpdir(), 'vox-bench-live-'));
  try {
    await saveModel(model, dir);
    await writeFile(
      join(dir, 'metadata.json'),
      JSON.stringify({ kind: 'vox-affect-model', labels: EMOTIONS, featureConfig: PAPER_FEATURES, scaler: scaler.toJSON(), runId: null, appVersion: 'bench' }),
    );
    const sc = await StreamingClassifier.start({ modelDir: dir, backend, hopSeconds: 0.5 });
    try {
      const ring = new RingBuffer(10 * RATE);
      const listeners = new Set<(b: { samples: Float32Array; frame: number; deliveredAtMs: number }) => void>();
      sc.attach({ ring, onBlock: (l) => (listeners.add(l), () => listeners.delete(l)) });
      const lat: number[] = [];
      const parts: Record<'featuresMs' | 'inferenceMs', number[]> = { featuresMs: [], inferenceMs: [] };
      sc.onEvent((e) => {
        if (!e.voiced) return;
        lat.push(e.latencyMs);
        parts.featuresMs.push(e.featuresMs);
        parts.inferenceMs.push(e.inferenceMs);
      });
      const windows = Math.max(5, Math.min(runs, 20));
      const audio = speechLike(3 + windows * 0.5 + 0.1, 3);
      const block = 960;
      const t0 = performance.now();
      for (let f = 0; f + block <= audio.length; f += block) {
        // Real time: block k is due at t0 + k·20 ms.
        const due = t0 + (f / RATE) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const b = audio.subarray(f, f + block);
        ring.push(b);
        const deliveredAtMs = performance.timeOrigin + performance.now();
        for (const l of listeners) l({ samples: b, frame: f, deliveredAtMs });
      }
      await sc.idle();
      out.push({
        name: `live/stream/${backend}`,
        median_ms: round3(median(lat)),
        runs: lat.length,
        backend,
        min_ms: round3(Math.min(...lat)),
        max_ms: round3(Math.max(...lat)),
        featuresMs: round3(median(parts.featuresMs)),
        inferenceMs: round3(median(parts.inferenceMs)),
        dropped: sc.stats.dropped,
        what: 'block arrival → event via the worker thread (latencyMs of ser live)',
      });
    } finally {
      await sc.close();
    }
  } finally {
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}
