/**
 * Training benchmarks (issues 4 and 10): ms per sample of a forward+backward+update step of the paper's model at
 * batch 32 on random input, on the backend the app selects (or SER_BACKEND): micro-batches of 8, the whole batch in
 * one pass, and (wasm/cpu) data-parallel over one worker per core as `ser train` does by default; inference latency
 * of one 3 s window; and `train_real`: an epoch of a real `ser train` run on the RAVDESS dev subset (features
 * cached, batch 32, the same workers), so the gap between the synthetic step and a real epoch is visible.
 * `runs` = timed training steps (default 3).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBackendName, selectBackend } from '../native/tf/backends.js';
import { benchmarkInference, benchmarkParallelTraining, benchmarkTraining } from '../electron/engine/training/trainBenchmark.js';
import { defaultDataDir } from '../electron/engine/dataDir.js';
import { defaultTrainingWorkers, startTraining } from '../electron/engine/training/session.js';
import type { TrainEvent } from '../electron/engine/training/types.js';
import { round2 as r2, type BenchResult } from './stats.js';

export async function benchTrain(opts: { runs?: number; backend?: string; batchSize?: number } = {}): Promise<BenchResult[]> {
  const forced = opts.backend ?? process.env.SER_BACKEND;
  const { name } = await selectBackend(forced && isBackendName(forced) ? { backend: forced } : {});
  const batchSize = opts.batchSize ?? 32;
  const steps = Math.max(1, opts.runs ?? 3);
  const out: BenchResult[] = [];
  for (const microBatch of [8, batchSize]) {
    const t = benchmarkTraining({ batchSize, microBatch, steps });
    out.push({ name: `train/${name}/batch${t.batchSize}/micro${t.microBatch}`, median_ms: t.msPerStepMedian, runs: t.steps, backend: name, msPerSample: t.msPerSample, samplesPerSec: t.samplesPerSec, microBatch: t.microBatch, workers: 1 });
  }
  const workers = name === 'wasm' || name === 'cpu' ? defaultTrainingWorkers() : 1;
  if (workers > 1) {
    const p = await benchmarkParallelTraining({ batchSize, microBatch: Math.ceil(batchSize / workers), steps, workers, backend: name === 'cpu' ? 'cpu' : 'wasm' });
    out.push({ name: `train/${name}/batch${p.batchSize}/workers${p.workers}`, median_ms: p.msPerStepMedian, runs: p.steps, backend: name, msPerSample: p.msPerSample, samplesPerSec: p.samplesPerSec, microBatch: p.microBatch, workers: p.workers });
  }
  // The real epoch with the default workers and, for the speed-up, on one thread.
  for (const w of workers > 1 ? [workers, 1] : [1]) {
    const real = await benchTrainReal(name, batchSize, w);
    if (real) out.push(real);
  }
  const inf = benchmarkInference({ batchSize: 1, runs: 20 });
  out.push({ name: `infer/${name}/batch1`, median_ms: inf.msMedian, runs: inf.runs, backend: name });
  return out;
}

/**
 * Two epochs of a real run on the dev subset (speaker split: train actors 01–02 and 2 noisy copies each = 360
 * samples, validation 03, test 04) in a throw-away database; the second epoch is timed whole, wall clock from the
 * first epoch's event to the second's (the first epoch's checkpoint writes, batch assembly, scaler, steps,
 * validation pass). Features come from the app's cache (extracted first if missing).
 */
export async function benchTrainReal(backend: string, batchSize: number, workers: number): Promise<BenchResult | undefined> {
  const shared = process.env.SER_SHARED;
  if (!shared) {
    process.stderr.write('train_real skipped: SER_SHARED is not set (the RAVDESS dev subset is needed)\n');
    return undefined;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'ser-bench-train-'));
  try {
    const handle = startTraining(
      {
        data: join(shared, 'data', 'ravdess-dev'),
        name: 'bench train_real',
        epochs: 2,
        batchSize,
        optimizer: 'sgd',
        learningRate: 0.01,
        momentum: 0.8,
        weightDecay: 1e-3,
        schedule: { kind: 'constant' },
        split: { kind: 'speaker', seed: 42, testSpeakers: ['04'], valSpeakers: ['03'] },
        augment: { copies: 2, snrLow: 15, snrHigh: 30 },
        seed: 42,
        workers,
        ...(isBackendName(backend) ? { backend } : {}),
      },
      { dbPath: join(tmp, 'bench.db'), dataDir: defaultDataDir() },
    );
    const epochs: Array<Extract<TrainEvent, { event: 'epoch' }> & { at: number }> = [];
    let trainSize = 0;
    handle.onEvent((e) => {
      if (e.event === 'epoch') epochs.push({ ...e, at: performance.now() });
      if (e.event === 'started') trainSize = e.trainSize;
    });
    const end = await handle.done;
    if (end.event !== 'finished') throw new Error(`train_real: the run ended with ${end.event}${end.event === 'failed' ? `: ${end.error}` : ''}`);
    const [first, second] = epochs;
    const wallMs = second!.at - first!.at;
    const t = second!.timing;
    return {
      name: 'train_real',
      median_ms: Math.round(wallMs),
      runs: 1,
      backend,
      workers,
      batchSize,
      samples: trainSize,
      msPerSample: r2(wallMs / trainSize),
      samplesPerSec: r2((trainSize / wallMs) * 1000),
      ...(t ? { stepMsPerSample: r2(t.stepMs / trainSize), assembleMs: Math.round(t.assembleMs), evalMs: Math.round(t.evalMs), checkpointMs: Math.round(t.checkpointMs) } : {}),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
