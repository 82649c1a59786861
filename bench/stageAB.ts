/**
 * Staged inputs (ParallelTrainer.stage) against none, on a loop shaped like `ser train`'s: each step is posted,
 * the next batch is assembled into one reused buffer (a per-value affine pass, like the scaler) while it runs, then
 * (B only) staged. Two trainers alternate step by step, A B A B …, so only one computes at a time and both see the
 * same load: `npx tsx bench/stageAB.ts [--rounds 12] [--batch 32] [--workers 2]`. Prints medians of wall and of
 * process CPU time per step (all threads), ratio = A / B (> 1: staging is faster), and the median of the
 * coordinator's prep plus the slowest worker's setup (inputs and weights into tensors) per step: the part of the
 * step before the workers compute.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../native/tf/backends.js';
import { buildModel } from '../electron/engine/model/index.js';
import { createParallelTrainer, type ParallelTrainer } from '../electron/engine/training/parallelTrainer.js';
import { median } from '../electron/engine/training/trainBenchmark.js';
import { arg, round2 as r2 } from './stats.js';

const rounds = Number(arg('rounds', '12'));
const batch = Number(arg('batch', '32'));
const n = Number(arg('workers', '2'));
await selectBackend({ backend: 'wasm' });
const model = buildModel({ seed: 1 });
const shape = [batch, ...(model.inputs[0].shape.slice(1) as number[])];
const row = shape.slice(1).reduce((a, b) => a * b, 1);
const source = tf.randomNormal([batch * row], 0, 1, 'float32', 7).dataSync() as Float32Array;
const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 8), 'int32'), 8).dataSync() as Float32Array);

/** A loop's state: its trainer, its reused batch buffer and the batch assembled for its next step. */
interface Loop { p: ParallelTrainer; buf: Float32Array; next: { xs: { data: Float32Array; shape: number[] }; ys: { data: Float32Array; shape: number[] } }; staging: boolean }
const assemble = (l: Loop, k: number) => {
  const s = 1 + (k % 7) * 1e-3;
  for (let i = 0; i < l.buf.length; i++) l.buf[i] = source[i] * s - 0.5; // the scaler's pass
  l.next = { xs: { data: l.buf, shape }, ys: { data: labels, shape: [batch, 8] } };
};
const loops: Record<'A' | 'B', Loop> = {} as never;
for (const v of ['A', 'B'] as const) {
  const l: Loop = { p: await createParallelTrainer(model, {}, { workers: n }), buf: new Float32Array(batch * row), next: undefined as never, staging: v === 'B' };
  assemble(l, 0);
  loops[v] = l;
}
const wall: Record<string, number[]> = { A: [], B: [] };
const cpu: Record<string, number[]> = { A: [], B: [] };
const prep: Record<string, number[]> = { A: [], B: [] };
const micro = Math.ceil(batch / n);
for (let r = -2; r < rounds; r++) {
  for (const v of r % 2 ? (['A', 'B'] as const) : (['B', 'A'] as const)) {
    const l = loops[v];
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const pending = l.p.step(l.next.xs, l.next.ys, { microBatch: micro, seed: r + 3 });
    assemble(l, r + 3);
    if (l.staging) l.p.stage(l.next.xs, l.next.ys);
    const res = await pending;
    const w = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (r < 0) continue;
    wall[v].push(w);
    cpu[v].push((c.user + c.system) / 1000);
    prep[v].push(res.timing.prepMs + Math.max(...res.timing.workers.map((t) => t.setupMs)));
  }
}
const out = { batch, workers: n, rounds, aMs: r2(median(wall.A)), bMs: r2(median(wall.B)), ratio: r2(median(wall.A) / median(wall.B)), cpuAMs: r2(median(cpu.A)), cpuBMs: r2(median(cpu.B)), cpuRatio: r2(median(cpu.A) / median(cpu.B)), prepSetupAMs: r2(median(prep.A)), prepSetupBMs: r2(median(prep.B)) };
process.stdout.write(JSON.stringify(out) + '\n');
for (const l of Object.values(loops)) await l.p.dispose();
