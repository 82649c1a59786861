/**
 * Data-parallel training (worker threads, each with its own wasm backend) against the single-thread trainer: with
 * the same micro-batches, one step gives the same loss, correct count and updated weights; errors come back as
 * rejections; a few steps keep matching.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../native/tf/backends.js';
import { buildModel, type ModelConfig } from '../../electron/engine/model/index.js';
import { createParallelTrainer } from '../../electron/engine/training/parallelTrainer.js';
import { createTrainer } from '../../electron/engine/training/trainer.js';
import { excess } from '../model/helpers.js';

const small: Partial<ModelConfig> = { chunks: 3, melBands: 16, frames: 12, filters: [4, 8], pools: [2, 3], lstmUnits: 8, classes: 3, convDropout: 0, lstmDropout: 0, seed: 21 };

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});

function batch(n: number): { xs: tf.Tensor; ys: tf.Tensor } {
  const xs = tf.randomNormal([n, 3, 16, 12, 1], 0, 1, 'float32', 4);
  const ys = tf.oneHot(tf.tensor1d(Array.from({ length: n }, (_, i) => i % 3), 'int32'), 3);
  return { xs, ys };
}

describe('createParallelTrainer', () => {
  it('matches the single-thread trainer over 3 SGD steps (2 workers, the same micro-batches)', async () => {
    const a = buildModel(small);
    const b = buildModel(small);
    const { xs, ys } = batch(8);
    const single = createTrainer(a, { learningRate: 0.05 });
    const parallel = await createParallelTrainer(b, { learningRate: 0.05 }, { workers: 2 });
    try {
      expect(parallel.workers).toBe(2);
      let tensors = 0;
      for (let s = 0; s < 3; s++) {
        // 2 workers × micro-batches of 4 = the single trainer's micro-batches of 4.
        const r1 = single.step(xs, ys, { microBatch: 4 });
        const r2 = await parallel.step(xs, ys, { microBatch: 4 });
        expect(r2.loss).toBeCloseTo(r1.loss, 4);
        expect(r2.correct).toBe(r1.correct);
        if (s === 1) tensors = tf.memory().numTensors;
      }
      expect(tf.memory().numTensors, 'tensors leaked by a step').toBe(tensors);
      a.trainableWeights.forEach((w, i) => {
        const wa = w.read().dataSync();
        const wb = b.trainableWeights[i].read().dataSync();
        expect(excess(wb, wa, 1e-3), w.name).toBeLessThan(1e-5);
      });
      // The convs' biases (zeros at first) get an exact 0 as gradient, also from the workers, whose models are
      // rebuilt from the topology: biasBeforeBatchNorm survives the trip (rounding noise would move them).
      const convBiases = b.trainableWeights.filter((w) => /^conv\d+\/bias/.test(w.name));
      expect(convBiases).toHaveLength(2);
      for (const w of convBiases) expect(Array.from(w.read().dataSync()).every((v) => v === 0), w.name).toBe(true);
      // The weights moved: the comparison above is not between two untouched models.
      const fresh = buildModel(small);
      expect(excess(b.trainableWeights[0].read().dataSync(), fresh.trainableWeights[0].read().dataSync(), 0)).toBeGreaterThan(1e-4);
      fresh.dispose();
    } finally {
      single.dispose();
      await parallel.dispose();
      tf.dispose([xs, ys]);
    }
  });

  it('seeded steps are reproducible with dropout on (same seed → same weights; another seed → different)', async () => {
    const cfg = { ...small, convDropout: 0.3, lstmDropout: 0.3 };
    const { xs, ys } = batch(8);
    const run = async (seeds: number[]) => {
      const m = buildModel(cfg);
      const p = await createParallelTrainer(m, { learningRate: 0.05 }, { workers: 2 });
      for (const seed of seeds) await p.step(xs, ys, { seed });
      const w = m.trainableWeights.map((v) => v.read().dataSync().slice());
      await p.dispose();
      m.dispose();
      return w;
    };
    try {
      const a = await run([1, 2]);
      const b = await run([1, 2]);
      const c = await run([1, 3]);
      a.forEach((w, i) => expect(excess(b[i], w, 0), `weight ${i}`).toBe(0));
      expect(Math.max(...a.map((w, i) => excess(c[i], w, 0)))).toBeGreaterThan(0);
    } finally {
      tf.dispose([xs, ys]);
    }
  });

  it('staged inputs give bit-identical steps (also after a staging no step used, and a last batch of another size)', async () => {
    const cfg = { ...small, convDropout: 0.3, lstmDropout: 0.3 };
    const batches = [batch(8), batch(8), batch(8), batch(5)].map(({ xs, ys }) => ({ xs: { data: xs.dataSync() as Float32Array, shape: xs.shape }, ys: { data: ys.dataSync() as Float32Array, shape: ys.shape }, t: [xs, ys] }));
    const run = async (staged: boolean) => {
      const m = buildModel(cfg);
      const p = await createParallelTrainer(m, { learningRate: 0.05 }, { workers: 2 });
      const out: number[] = [];
      for (let s = 0; s < batches.length; s++) {
        const { xs, ys } = batches[s];
        const pending = p.step(xs, ys, { seed: s + 1 });
        if (staged && s === 0) p.stage(batches[3].xs, batches[3].ys); // never used: step 1 comes with other inputs
        if (staged && s >= 1 && s + 1 < batches.length) p.stage(batches[s + 1].xs, batches[s + 1].ys);
        out.push((await pending).loss);
      }
      const w = m.trainableWeights.map((v) => v.read().dataSync().slice());
      await p.dispose();
      m.dispose();
      return { w, out };
    };
    try {
      const a = await run(false);
      const b = await run(true);
      expect(b.out).toEqual(a.out);
      a.w.forEach((w, i) => expect(excess(b.w[i], w, 0), `weight ${i}`).toBe(0));
    } finally {
      tf.dispose(batches.flatMap((b) => b.t));
    }
  });

  it('predict spreads windows over the workers and equals inference on this thread', async () => {
    const m = buildModel(small);
    const p = await createParallelTrainer(m, {}, { workers: 2 });
    const { xs, ys } = batch(11);
    try {
      await p.step(xs, ys); // weights (and BatchNorm moving statistics) moved: the workers must use the new ones
      const host = { data: xs.dataSync() as Float32Array, shape: xs.shape };
      const got = await p.predict(host, 4); // 3 batches (4, 4, 3) over 2 workers
      const want = tf.tidy(() => (m.apply(xs, { training: false }) as tf.Tensor).dataSync());
      expect(got.length).toBe(11 * 3);
      expect(excess(got, want, 1e-5)).toBeLessThan(1e-6);
    } finally {
      await p.dispose();
      tf.dispose([xs, ys]);
      m.dispose();
    }
  });

  it('rejects a step whose labels do not match, and a step after dispose', async () => {
    const m = buildModel(small);
    const parallel = await createParallelTrainer(m, {}, { workers: 1 });
    const { xs, ys } = batch(4);
    const bad = tf.zeros([3, 3]);
    await expect(parallel.step(xs, bad)).rejects.toThrow(/4 inputs but 3 labels/);
    await parallel.dispose();
    await expect(parallel.step(xs, ys)).rejects.toThrow(/closed/);
    tf.dispose([xs, ys, bad]);
  });
});
