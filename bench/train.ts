/**
 * Training benchmark (issue 4): ms per sample of a forward+backward+update step of the paper's model at batch 32
 * on random input, on the backend the app selects (or SER_BACKEND): micro-batches of 8 (what `ser bench train`
 * measures by default), the whole batch in one pass, and (wasm) data-parallel over 2 worker threads; plus
 * inference latency of one 3 s window. `runs` = timed training steps (default 3).
 */
import { isBackendName, selectBackend } from '../native/tf/backends.js';
import { benchmarkInference, benchmarkParallelTraining, benchmarkTraining } from '../electron/engine/model/train_benchmark.js';
import type { BenchResult } from './stats.js';

export async function benchTrain(opts: { runs?: number; backend?: string; batchSize?: number } = {}): Promise<BenchResult[]> {
  const forced = opts.backend ?? process.env.SER_BACKEND;
  const { name } = await selectBackend(forced && isBackendName(forced) ? { backend: forced } : {});
  const batchSize = opts.batchSize ?? 32;
  const steps = Math.max(1, opts.runs ?? 3);
  const out: BenchResult[] = [];
  for (const microBatch of [8, batchSize]) {
    const t = benchmarkTraining({ batchSize, microBatch, steps });
    out.push({ name: `train/${name}/batch${t.batchSize}/micro${t.microBatch}`, median_ms: t.msPerStepMedian, runs: t.steps, backend: name, msPerSample: t.msPerSample, samplesPerSec: t.samplesPerSec, microBatch: t.microBatch });
  }
  if (name === 'wasm') {
    const p = await benchmarkParallelTraining({ batchSize, microBatch: batchSize / 2, steps, workers: 2 });
    out.push({ name: `train/${name}/batch${p.batchSize}/workers${p.workers}`, median_ms: p.msPerStepMedian, runs: p.steps, backend: name, msPerSample: p.msPerSample, samplesPerSec: p.samplesPerSec, microBatch: p.microBatch, workers: p.workers });
  }
  const inf = benchmarkInference({ batchSize: 1, runs: 20 });
  out.push({ name: `infer/${name}/batch1`, median_ms: inf.msMedian, runs: inf.runs, backend: name });
  return out;
}
