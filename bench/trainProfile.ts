/**
 * Per-kernel profile of one training step of the paper's model (issue 4): `npx tsx bench/trainProfile.ts
 * [--backend wasm] [--batch 8] [--repeat 3]`. Runs a warm-up step, then `tf.profile`s `repeat` steps of one
 * micro-batch and prints, per kernel name, the median over repeats of the summed kernel time (ms), largest first.
 */
import * as tf from '@tensorflow/tfjs-core';
import { isBackendName, selectBackend } from '../native/tf/backends.js';
import { buildModel } from '../electron/engine/model/index.js';
import { createTrainer } from '../electron/engine/training/trainer.js';
import { median } from '../electron/engine/training/trainBenchmark.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

const backend = arg('backend', 'wasm');
if (!isBackendName(backend)) throw new Error(`unknown backend ${backend}`);
await selectBackend({ backend });
const batch = Number(arg('batch', '8'));
const repeat = Number(arg('repeat', '3'));
const model = buildModel({ seed: 1 });
const trainer = createTrainer(model);
const xs = tf.randomNormal([batch, 7, 128, 128, 1], 0, 1, 'float32', 7);
const ys = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 8), 'int32'), 8);
trainer.step(xs, ys);
const perKernel = new Map<string, number[]>();
const walls: number[] = [];
for (let r = 0; r < repeat; r++) {
  const t0 = performance.now();
  const info = await tf.profile(() => {
    trainer.step(xs, ys);
  });
  walls.push(performance.now() - t0);
  const sums = new Map<string, number>();
  for (const k of info.kernels) sums.set(k.name, (sums.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  for (const [k, v] of sums) perKernel.set(k, [...(perKernel.get(k) ?? []), v]);
  if (r === 0) process.stdout.write(`peak bytes ${Math.round(info.peakBytes / 1e6)} MB\n`);
}
const rows = [...perKernel].map(([k, v]) => [k, median(v)] as const).sort((a, b) => b[1] - a[1]);
let total = 0;
for (const [k, v] of rows) {
  total += v;
  if (v >= 1) process.stdout.write(`${k.padEnd(28)} ${v.toFixed(1).padStart(8)} ms\n`);
}
process.stdout.write(`${'sum of kernels'.padEnd(28)} ${total.toFixed(1).padStart(8)} ms\n`);
process.stdout.write(`${'wall (profiled step)'.padEnd(28)} ${median(walls).toFixed(1).padStart(8)} ms, batch ${batch}\n`);
