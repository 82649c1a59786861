/**
 * The fused first conv block (native/tf/ops/convBlock.ts: conv 3×3 'same' over one channel + BatchNorm + ReLU +
 * MaxPool, one SIMD kernel each way on wasm) against the same computation from separate kernels on cpu (tfjs'
 * reference conv, our JS BatchNorm, MaxPool): pooled output, batch statistics and the filter, γ and β gradients,
 * over shapes with leftover rows/columns outside the pool windows, windows holding their maximum twice, inputs far
 * from zero mean, and the layer (ConvBatchNormReluPool) against VoxConv2D + BatchNormRelu with the same weights.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../native/tf/backends.js';
import { ConvBatchNormReluPool as KernelName, convBatchNormReluPool, fusedConvBlockApplies } from '../../native/tf/ops/convBlock.js';
import { buildModel } from '../../electron/engine/model/index.js';
import { onBackend, pattern, relErr } from './helpers.js';

beforeAll(async () => {
  await selectBackend({ backend: 'cpu' });
  await selectBackend({ backend: 'wasm' });
});

describe('fused first conv block (wasm kernel vs separate kernels on cpu)', () => {
  // [N, H, W], channels, pool, input offset (dB-like inputs sit far from 0), ties (rounded inputs)
  const cases: [number[], number, number, number, boolean][] = [
    [[3, 16, 12], 16, 2, 0, false],
    [[2, 17, 13], 8, 2, 0, false], // odd sizes: a row and a column outside every window
    [[2, 18, 21], 4, 4, 0, false],
    [[2, 12, 10], 16, 2, 0, true], // constant regions: equal maxima inside windows
    [[2, 14, 16], 8, 2, -30, false], // mean ≫ σ
    [[1, 5, 6], 4, 3, 0.5, false],
  ];
  for (const [[N, H, W], C, p, offset, ties] of cases) {
    it(`${N}×${H}×${W}×1 → ${C} channels, pool ${p}${offset ? `, inputs around ${offset}` : ''}${ties ? ', ties' : ''}: y, mean, variance, dW, dγ, dβ, zero dbias`, async () => {
      const f = () => {
        const raw = tf.add(tf.mul(pattern([N, H, W, 1], 0.37), 1.5), offset);
        const x = (ties ? tf.round(raw) : raw) as tf.Tensor4D;
        const filter = tf.mul(pattern([3, 3, 1, C], 0.71, 1), 0.4) as tf.Tensor4D;
        const bias = tf.mul(pattern([C], 0.5, 2), 0.3) as tf.Tensor1D;
        const gamma = tf.add(tf.mul(pattern([C], 0.9, 3), 0.5), 1) as tf.Tensor1D;
        const beta = tf.mul(pattern([C], 0.4, 4), 0.2) as tf.Tensor1D;
        const Ho = Math.floor(H / p);
        const Wo = Math.floor(W / p);
        const weight = pattern([N, Ho, Wo, C], 0.047, 5);
        const r = convBatchNormReluPool(x, filter, bias, gamma, beta, { epsilon: 1e-3, pool: p });
        const g = tf.grads((fw: tf.Tensor, b: tf.Tensor, gm: tf.Tensor, bt: tf.Tensor) =>
          tf.sum(tf.mul(convBatchNormReluPool(x, fw as tf.Tensor4D, b as tf.Tensor1D, gm as tf.Tensor1D, bt as tf.Tensor1D, { epsilon: 1e-3, pool: p }).y, weight)),
        );
        return [r.y, r.mean, r.variance, ...g([filter, bias, gamma, beta])];
      };
      const a = await onBackend('wasm', f);
      const b = await onBackend('cpu', f);
      const names = ['y', 'mean', 'variance', 'dW', 'dbias', 'dγ', 'dβ'];
      // inputs around −30 lose ~2 digits to the offset in float32 sums (on either path)
      const tol = offset < -10 ? 2e-3 : 2e-4;
      a.forEach((v, i) => {
        if (names[i] === 'dbias') expect(Array.from(v).every((d) => d === 0)).toBe(true);
        else expect(relErr(v, b[i]), names[i]).toBeLessThan(tol);
      });
    });
  }

  it('runs as one kernel on wasm (and is deterministic); falls back to separate kernels on cpu and for shapes it does not cover', async () => {
    await tf.setBackend('wasm');
    const x = pattern([2, 8, 8, 1], 0.3) as tf.Tensor4D;
    const filter = pattern([3, 3, 1, 8], 0.7, 1) as tf.Tensor4D;
    expect(fusedConvBlockApplies(x, filter, 2)).toBe(true);
    expect(fusedConvBlockApplies(x, pattern([3, 3, 1, 6], 0.7) as tf.Tensor4D, 2)).toBe(false); // channels % 4
    expect(fusedConvBlockApplies(x, pattern([5, 5, 1, 8], 0.7) as tf.Tensor4D, 2)).toBe(false);
    const bias = tf.zeros([8]) as tf.Tensor1D;
    const gamma = tf.ones([8]) as tf.Tensor1D;
    const beta = tf.zeros([8]) as tf.Tensor1D;
    const info = await tf.profile(() => convBatchNormReluPool(x, filter, bias, gamma, beta, { epsilon: 1e-3, pool: 2 }).y);
    expect(info.kernels.map((k) => k.name)).toContain(KernelName);
    const one = await convBatchNormReluPool(x, filter, bias, gamma, beta, { epsilon: 1e-3, pool: 2 }).y.data();
    const two = await convBatchNormReluPool(x, filter, bias, gamma, beta, { epsilon: 1e-3, pool: 2 }).y.data();
    expect(Array.from(two)).toEqual(Array.from(one));
    await tf.setBackend('cpu');
    expect(fusedConvBlockApplies(x, filter, 2)).toBe(false);
    await tf.setBackend('wasm');
  });
});

describe('the model built with the fused first block', () => {
  it('trains and infers like the same weights through the separate kernels (one step on wasm vs cpu)', async () => {
    const f = () => {
      const model = buildModel({ seed: 3, melBands: 32, frames: 32, chunks: 2, pools: [2, 2, 2, 2], convDropout: 0, lstmDropout: 0 });
      expect(model.getLayer('conv1').getClassName()).toBe('VoxConvBatchNormReluPool');
      const xs = tf.add(tf.mul(pattern([2, 2, 32, 32, 1], 0.23), 1.2), 0.1);
      const ys = tf.oneHot(tf.tensor1d([1, 5], 'int32'), 8);
      const infer = model.apply(xs, { training: false }) as tf.Tensor;
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar);
      const names = Object.keys(grads).sort();
      const moving = model.getLayer('conv1').getWeights().slice(4);
      const out = [infer, value, ...names.map((n) => grads[n]), ...moving.map((t) => t.clone())];
      model.dispose();
      return out;
    };
    const a = await onBackend('wasm', f);
    const b = await onBackend('cpu', f);
    expect(a.length).toBe(b.length);
    a.forEach((v, i) => expect(relErr(v, b[i]), `output ${i}`).toBeLessThan(1e-3));
  });
});
