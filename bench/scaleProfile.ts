/**
 * Where the data-parallel step loses against perfect scaling (issue 10): `npx tsx bench/scaleProfile.ts
 * [--rounds 7] [--batch 32] [--workers 2]`. Interleaved in one process, round after round (so the ratios hold on a
 * machine shared with other work):
 * - single/B: one thread, the whole batch in one pass (the `--workers 1` path);
 * - single/B÷n: one thread, one worker's slice in one pass (kernel efficiency at the smaller micro-batch);
 * - parallel: `workers` gradient workers as `ser train` runs them, with the coordinating thread's and each
 *   worker's account of the step (ParallelStepResult.timing).
 * CPU times are per thread (Linux /proc/thread-self/schedstat), so other processes' load changes them little;
 * wall times are printed too. Prints one JSON line of medians.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../native/tf/backends.js';
import { buildModel } from '../electron/engine/model/index.js';
import { createParallelTrainer, type StepTiming } from '../electron/engine/training/parallelTrainer.js';
import { createTrainer } from '../electron/engine/training/trainer.js';
import { median } from '../electron/engine/training/trainBenchmark.js';
import { threadCpuMs } from '../electron/engine/training/threadCpu.js';
import { arg, round2 as r2 } from './stats.js';


const rounds = Number(arg('rounds', '7'));
const batch = Number(arg('batch', '32'));
const n = Number(arg('workers', '2'));
const slice = Math.ceil(batch / n);
await selectBackend({ backend: 'wasm' });

const model = buildModel({ seed: 1 });
const shape = model.inputs[0].shape.slice(1) as number[];
const classes = model.outputs[0].shape[1] as number;
const input = (b: number) => ({
  xs: tf.randomNormal([b, ...shape], 0, 1, 'float32', 7),
  ys: tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: b }, (_, i) => i % classes), 'int32'), classes)),
});
const full = input(batch);
const part = input(slice);
const single = createTrainer(model);
const par = await createParallelTrainer(model, {}, { workers: n, backend: 'wasm' });

const rec: Record<string, number[]> = {};
const put = (k: string, v: number) => (rec[k] ??= []).push(v);

for (let r = -1; r < rounds; r++) {
  const keep = r >= 0;
  const order = ['single', 'slice', 'parallel'];
  if (r % 2) order.reverse();
  for (const what of order) {
    const t0 = performance.now();
    const c0 = threadCpuMs();
    const p0 = process.cpuUsage();
    let timing: StepTiming | undefined;
    if (what === 'single') single.step(full.xs, full.ys, { microBatch: batch });
    else if (what === 'slice') single.step(part.xs, part.ys, { microBatch: slice });
    else timing = (await par.step(full.xs, full.ys, { microBatch: slice, seed: r + 2 })).timing;
    const wall = performance.now() - t0;
    const cpu = threadCpuMs() - c0;
    const p = process.cpuUsage(p0);
    if (!keep) continue;
    const samples = what === 'slice' ? slice : batch;
    put(`${what}.wallMsPerSample`, wall / samples);
    put(`${what}.processCpuMsPerSample`, (p.user + p.system) / 1000 / samples);
    if (!timing) put(`${what}.cpuMsPerSample`, cpu / samples);
    else {
      put('parallel.coordinator.prepMs', timing.prepMs);
      put('parallel.coordinator.prepCpuMs', timing.prepCpuMs);
      put('parallel.coordinator.mergeMs', timing.mergeMs);
      put('parallel.coordinator.mergeCpuMs', timing.mergeCpuMs);
      put('parallel.coordinator.waitMs', timing.waitMs);
      put('parallel.workersCpuMsPerSample', timing.workers.reduce((a, w) => a + w.cpuMs, 0) / batch);
      timing.workers.forEach((w, i) => {
        put(`parallel.worker${i}.idleMs`, w.idleMs);
        put(`parallel.worker${i}.setupMs`, w.setupMs);
        put(`parallel.worker${i}.computeMs`, w.computeMs);
        put(`parallel.worker${i}.cpuMs`, w.cpuMs);
        put(`parallel.worker${i}.cpuMsPerSample`, w.cpuMs / (w === timing!.workers.at(-1) ? batch - slice * (n - 1) : slice));
      });
    }
  }
}
const out: Record<string, number> = {};
for (const [k, v] of Object.entries(rec)) out[k] = r2(median(v));
// Ratios of medians: per-sample CPU of the slice pass and of the parallel step against the whole-batch pass.
out['ratio.sliceCpu/singleCpu'] = r2(out['slice.cpuMsPerSample'] / out['single.cpuMsPerSample']);
out['ratio.workersCpu/singleCpu'] = r2(out['parallel.workersCpuMsPerSample'] / out['single.cpuMsPerSample']);
out['ratio.processCpu parallel/single'] = r2(out['parallel.processCpuMsPerSample'] / out['single.processCpuMsPerSample']);
process.stdout.write(JSON.stringify({ batch, workers: n, rounds, ...out }) + '\n');
await par.dispose();
tf.dispose([full.xs, full.ys, part.xs, part.ys]);
