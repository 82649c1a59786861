/**
 * Two settings of SER_CONV_KERNEL (default: direct against auto, i.e. unset) on whole training steps and inference,
 * interleaved in one process (A B A B …, median of each), so the ratio holds on a machine shared with other work:
 * `npx tsx bench/convAB.ts [--what step|single|infer] [--a direct] [--b auto] [--rounds 9] [--batch 32]
 * [--workers 2]` (settings: direct, winograd2, winograd4, auto).
 * - step: two data-parallel trainers as `ser bench train` runs them (batch split over `workers` gradient workers,
 *   one micro-batch per worker), one started with setting A, one with B (worker threads copy the environment when
 *   they start); their steps alternate, so only one computes at a time.
 * - single: one in-process trainer, whole batch in one pass; the variable is switched between steps.
 * - infer: batch-1 inference of one 3 s window (5 runs per round and variant).
 * Prints one JSON line: {what, batch, workers, rounds, a, b, aMs, bMs, ratio, cpuAMs, cpuBMs, cpuRatio}: medians
 * of wall time and of the process's CPU time (all threads: the workers' too), ratio = A / B (> 1: B is faster). With other work on the machine the CPU-time ratio is the steadier one for the multi-worker step (its
 * wall time waits for whichever worker the scheduler delays).
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../native/tf/backends.js';
import { buildModel } from '../electron/engine/model/index.js';
import { createParallelTrainer, createTrainer } from '../electron/engine/training/index.js';
import { median } from '../electron/engine/training/trainBenchmark.js';
import { arg } from './stats.js';


const what = arg('what', 'step');
const rounds = Number(arg('rounds', '9'));
const batch = Number(arg('batch', what === 'infer' ? '1' : '32'));
const workers = Number(arg('workers', '2'));
await selectBackend({ backend: 'wasm' });

function setKernel(v: string): void {
  if (v === 'auto') delete process.env.SER_CONV_KERNEL;
  else process.env.SER_CONV_KERNEL = v;
}

const variants = [arg('a', 'direct'), arg('b', 'auto')];
if (variants[0] === variants[1]) throw new Error('--a and --b must differ');
const times: Record<string, number[]> = { [variants[0]]: [], [variants[1]]: [] };
const cpuTimes: Record<string, number[]> = { [variants[0]]: [], [variants[1]]: [] };
/** Wall and process CPU time (all threads, workers included) of f, recorded for variant v when keep. */
async function timed(v: string, keep: boolean, f: () => unknown): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  if (!keep) return;
  times[v].push(wall);
  cpuTimes[v].push((c.user + c.system) / 1000);
}
const model = buildModel({ seed: 1 });
const xs = tf.randomNormal([batch, 7, 128, 128, 1], 0, 1, 'float32', 7);
const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 8), 'int32'), 8));

if (what === 'step') {
  const trainers: Record<string, Awaited<ReturnType<typeof createParallelTrainer>>> = {};
  for (const v of variants) {
    setKernel(v);
    trainers[v] = await createParallelTrainer(model, {}, { workers, backend: 'wasm' });
  }
  const microBatch = Math.ceil(batch / workers);
  for (let r = -1; r < rounds; r++) {
    for (const v of r % 2 ? variants : [...variants].reverse()) {
      await timed(v, r >= 0, () => trainers[v].step(xs, ys, { microBatch, seed: r + 1 }));
    }
  }
  for (const v of variants) await trainers[v].dispose();
} else if (what === 'single') {
  const trainer = createTrainer(model);
  for (let r = -1; r < rounds; r++) {
    for (const v of r % 2 ? variants : [...variants].reverse()) {
      setKernel(v);
      await timed(v, r >= 0, () => trainer.step(xs, ys, { microBatch: batch }));
    }
  }
} else if (what === 'infer') {
  const run = () => tf.tidy(() => (model.apply(xs, { training: false }) as tf.Tensor).dataSync());
  for (let r = -1; r < rounds; r++) {
    for (const v of r % 2 ? variants : [...variants].reverse()) {
      setKernel(v);
      for (let i = 0; i < 5; i++) await timed(v, r >= 0, run);
    }
  }
} else throw new Error(`--what step|single|infer, got ${what}`);
setKernel('auto');
const [d, w] = variants.map((v) => median(times[v]));
const [cd, cw] = variants.map((v) => median(cpuTimes[v]));
const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
process.stdout.write(
  JSON.stringify({ what, batch, workers: what === 'step' ? workers : 1, rounds, a: variants[0], b: variants[1], aMs: r1(d), bMs: r1(w), ratio: r3(d / w), cpuAMs: r1(cd), cpuBMs: r1(cw), cpuRatio: r3(cd / cw) }) + '\n',
);
tf.dispose([xs, ys]);
model.dispose();
