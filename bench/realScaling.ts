/**
 * Issue 10's real-run criteria, measured the way this noisy machine needs: alternating rounds of a real epoch of
 * `ser train` on the dev subset with the default workers and with one thread (train_real, bench/train.ts), each
 * round beside the synthetic data-parallel step at the same settings, then medians and their ratios:
 * speedUp = real 1-thread ms/sample ÷ real all-workers ms/sample (goal ≥ 1.7), realVsSynthetic = synthetic ÷ real
 * ms/sample (goal ≥ 0.9). Needs SER_SHARED; run it with nothing else on the cores (SIGSTOP long jobs).
 *
 *   SER_SHARED=../shared npx tsx bench/realScaling.ts [--rounds 5]
 */
import { selectBackend } from '../native/tf/backends.js';
import { benchmarkParallelTraining } from '../electron/engine/training/trainBenchmark.js';
import { defaultTrainingWorkers } from '../electron/engine/training/session.js';
import { arg, median, round2 as r2 } from './stats.js';
import { benchTrainReal } from './train.js';

const rounds = Number(arg('rounds', '5'));
if (!(rounds >= 1)) throw new Error('--rounds must be ≥ 1');
const { name } = await selectBackend({ backend: 'wasm' });
const workers = defaultTrainingWorkers();
const ms: Record<'real' | 'real1' | 'synthetic', number[]> = { real: [], real1: [], synthetic: [] };
for (let r = 0; r < rounds; r++) {
  // Alternate the order so a slow spell of the machine does not always land on the same measurement.
  const order = r % 2 ? [1, workers] : [workers, 1];
  for (const w of order) {
    const real = await benchTrainReal(name, 32, w);
    if (!real) throw new Error('SER_SHARED is not set');
    process.stdout.write(`${JSON.stringify({ round: r, ...real })}\n`);
    (w === 1 ? ms.real1 : ms.real).push(real.msPerSample as number);
  }
  const p = await benchmarkParallelTraining({ batchSize: 32, microBatch: Math.ceil(32 / workers), steps: 5, workers, backend: 'wasm' });
  process.stdout.write(`${JSON.stringify({ round: r, name: `train/wasm/batch32/workers${workers}`, msPerSample: p.msPerSample })}\n`);
  ms.synthetic.push(p.msPerSample);
}
const m = { real: median(ms.real), real1: median(ms.real1), synthetic: median(ms.synthetic) };
process.stdout.write(
  `${JSON.stringify({ name: 'realScaling', workers, rounds, msPerSample: ms, median: m, speedUp: r2(m.real1 / m.real), realVsSynthetic: r2(m.synthetic / m.real) })}\n`,
);
