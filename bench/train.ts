/**
 * Training benchmark (issue 4): ms per sample of a forward+backward+update step of the paper's model at batch 32
 * (micro-batches of 8) on random input, on the backend the app selects (or SER_BACKEND), plus inference latency
 * of one 3 s window. `runs` = timed training steps (default 3: a step takes seconds).
 */
import { isBackendName, selectBackend } from '../native/tf/backends.js';
import { benchmarkInference, benchmarkTraining } from '../electron/engine/model/train_benchmark.js';
import type { BenchResult } from './stats.js';

export async function benchTrain(opts: { runs?: number; backend?: string; batchSize?: number } = {}): Promise<BenchResult[]> {
  const forced = opts.backend ?? process.env.SER_BACKEND;
  const { name } = await selectBackend(forced && isBackendName(forced) ? { backend: forced } : {});
  const t = benchmarkTraining({ batchSize: opts.batchSize ?? 32, steps: Math.max(1, opts.runs ?? 3) });
  const inf = benchmarkInference({ batchSize: 1, runs: 20 });
  return [
    { name: `train/${name}/batch${t.batchSize}`, median_ms: t.msPerStepMedian, runs: t.steps, backend: name, msPerSample: t.msPerSample, samplesPerSec: t.samplesPerSec, microBatch: t.microBatch },
    { name: `infer/${name}/batch1`, median_ms: inf.msMedian, runs: inf.runs, backend: name },
  ];
}
