/**
 * The SIMD WebAssembly kernels (native/tf/wasm/simd/kernels.as) and the kernels built on them, against the cpu
 * backend (tfjs' reference kernels, or our JS ones): BatchNorm+ReLU forward/backward with vector and scalar-tail
 * channel counts over many row blocks, bias-gradient Sum, tiled MaxPoolGrad (ties, leftover rows), direct and
 * chunked Conv2DBackpropFilter, zero-copy Identity, conv+bias with per-input gradients. Also: the committed binary is
 * what kernels.as compiles to.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../native/tf/backends.js';
import { batchNormInfer, batchNormReluPool, batchNormTrain } from '../../native/tf/ops/batchNorm.js';
import { conv2dBias } from '../../native/tf/ops/conv2dBias.js';
import { dropout } from '../../native/tf/ops/dropout.js';
import { winogradTile } from '../../native/tf/wasm/conv2dDirect.js';
// @ts-expect-error — a plain .mjs build script without type declarations
import { compileKernels, render } from '../../native/tf/wasm/simd/build.mjs';
import { onBackend, pattern, relErr } from './helpers.js';

beforeAll(async () => {
  await selectBackend({ backend: 'cpu' });
  await selectBackend({ backend: 'wasm' });
});

describe('kernelsWasm.ts', () => {
  it('is exactly what kernels.as compiles to (run `npm run build:kernels` after editing kernels.as)', async () => {
    const committed = readFileSync(new URL('../../native/tf/wasm/simd/kernelsWasm.ts', import.meta.url), 'utf8');
    expect(render(await compileKernels())).toBe(committed);
  }, 60_000);
});

describe('BatchNorm+ReLU (SIMD on wasm vs JS on cpu)', () => {
  // [shape]: C = 16 and 32 use only the vector loop; 7 and 5 the scalar tail too; ≥ 4096/C rows span several blocks.
  for (const shape of [[4, 33, 17, 16], [2, 40, 30, 32], [3, 20, 21, 7], [1, 3, 2, 5]]) {
    for (const relu of [true, false]) {
      it(`matches for ${shape.join('×')}, relu ${relu}: y, mean, variance, dx, dγ, dβ`, async () => {
        const f = () => {
          const x = tf.add(tf.mul(pattern(shape, 0.31), 2), 5); // |mean| ≫ σ: the shifted sums matter
          const gamma = pattern([shape[3]], 0.9, 1);
          const beta = pattern([shape[3]], 0.4, 2);
          const w = pattern(shape, 0.047, 3);
          const r = batchNormTrain(x, gamma as tf.Tensor1D, beta as tf.Tensor1D, { epsilon: 1e-5, relu });
          const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(batchNormTrain(a, b as tf.Tensor1D, c as tf.Tensor1D, { epsilon: 1e-5, relu }).y, w)));
          return [r.y, r.mean, r.variance, ...g([x, gamma, beta])];
        };
        const a = await onBackend('wasm', f);
        const b = await onBackend('cpu', f);
        a.forEach((v, i) => expect(relErr(v, b[i]), `output ${i}`).toBeLessThan(1e-4));
      });
    }
  }
});

describe('BatchNorm+ReLU+MaxPool (one SIMD kernel each way on wasm vs BatchNorm+ReLU then MaxPool on cpu)', () => {
  // C 16 / 8: vector path; 6 / 3: scalar tails; sizes not divisible by the pool leave rows/columns outside windows.
  for (const [shape, p, round] of [[[3, 16, 12, 16], 2, false], [[2, 9, 11, 8], 2, true], [[2, 17, 13, 6], 4, false], [[1, 8, 9, 3], 4, true]] as const) {
    it(`matches for ${shape.join('×')}, pool ${p}${round ? ', with ties' : ''}: output, statistics, dx, dγ, dβ`, async () => {
      const f = () => {
        const raw = tf.add(tf.mul(pattern([...shape], 0.29), 2), 0.5);
        const x = (round ? tf.round(raw) : raw) as tf.Tensor4D; // rounding: windows hold their maximum twice
        const gamma = pattern([shape[3]], 0.9, 1) as tf.Tensor1D;
        const beta = pattern([shape[3]], 0.4, 2) as tf.Tensor1D;
        const ho = Math.floor(shape[1] / p);
        const wo = Math.floor(shape[2] / p);
        const w = pattern([shape[0], ho, wo, shape[3]], 0.047, 3);
        const r = batchNormReluPool(x, gamma, beta, { epsilon: 1e-5, pool: p });
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(batchNormReluPool(a as tf.Tensor4D, b as tf.Tensor1D, c as tf.Tensor1D, { epsilon: 1e-5, pool: p }).y, w)));
        return [r.y, r.mean, r.variance, ...g([x, gamma, beta])];
      };
      const a = await onBackend('wasm', f);
      const b = await onBackend('cpu', f);
      expect(a[0].length).toBe(shape[0] * Math.floor(shape[1] / p) * Math.floor(shape[2] / p) * shape[3]);
      a.forEach((v, i) => expect(relErr(v, b[i]), `output ${i}`).toBeLessThan(1e-4));
    });
  }
});

describe('BatchNorm+ReLU inference (SIMD on wasm vs tf ops on cpu)', () => {
  for (const shape of [[2, 9, 7, 16], [3, 5, 4, 6]]) {
    for (const relu of [true, false]) {
      it(`matches for ${shape.join('×')}, relu ${relu}`, async () => {
        const f = () => {
          const C = shape[3];
          const x = pattern(shape, 0.31);
          const v = tf.add(tf.abs(pattern([C], 0.3, 4)), 0.2) as tf.Tensor1D;
          return [batchNormInfer(x, pattern([C], 0.9, 1) as tf.Tensor1D, pattern([C], 0.4, 2) as tf.Tensor1D, pattern([C], 0.6, 3) as tf.Tensor1D, v, { epsilon: 1e-5, relu })];
        };
        const [a] = await onBackend('wasm', f);
        const [b] = await onBackend('cpu', f);
        expect(relErr(a, b)).toBeLessThan(1e-5);
      });
    }
  }
});

describe('Sum over all axes but the last (bias gradients)', () => {
  for (const [shape, keepDims] of [[[5, 7, 9, 16], false], [[300, 12], true], [[2, 3, 5], false], [[4, 6, 3, 1], true]] as const) {
    it(`matches cpu for ${shape.join('×')}, keepDims ${keepDims}`, async () => {
      const f = () => {
        const x = pattern([...shape], 0.123, 1);
        return [tf.sum(x, shape.slice(0, -1).map((_, i) => i), keepDims), tf.sum(x, [1]), tf.sum(x)];
      };
      const a = await onBackend('wasm', f);
      const b = await onBackend('cpu', f);
      a.forEach((v, i) => expect(relErr(v, b[i]), `output ${i}`).toBeLessThan(1e-5));
    });
  }
});

describe('tiled MaxPoolGrad (stride = pool size, valid)', () => {
  for (const [shape, p] of [[[2, 8, 8, 8], 2], [[1, 9, 11, 4], 2], [[2, 16, 12, 5], 4], [[1, 13, 13, 12], 4]] as const) {
    it(`matches cpu for ${shape.join('×')}, pool ${p}, with ties inside windows`, async () => {
      const f = () => {
        // Rounded values: windows often hold the maximum twice; the first position (scan order) must get it.
        const x = tf.round(tf.mul(pattern([...shape], 0.71), 2));
        const dy = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, p, p, 'valid'), pattern([shape[0], Math.floor(shape[1] / p), Math.floor(shape[2] / p), shape[3]], 0.3))))(x);
        return [dy];
      };
      const [w] = await onBackend('wasm', f);
      const [c] = await onBackend('cpu', f);
      expect(relErr(w, c)).toBeLessThan(1e-6);
    });
  }
});

describe('direct Conv2DBackpropFilter (Co % 4 == 0)', () => {
  // [n, h, w, ci, co, k, stride, pad]: 4-channel tiles and single-channel tails, 8- and 4-wide output tiles, strides 1/2, odd sizes.
  const cases: [number, number, number, number, number, number, number, 'same' | 'valid'][] = [
    [2, 9, 7, 3, 4, 3, 1, 'same'],
    [1, 8, 8, 6, 12, 3, 2, 'same'],
    [3, 11, 6, 8, 8, 3, 1, 'valid'],
    [1, 7, 9, 1, 16, 3, 2, 'valid'],
    [2, 10, 13, 16, 32, 3, 1, 'same'],
    [1, 9, 9, 5, 4, 2, 1, 'same'],
    [1, 12, 10, 4, 20, 5, 2, 'same'],
  ];
  for (const [n, h, w, ci, co, k, st, pad] of cases) {
    it(`matches cpu for x ${n}×${h}×${w}×${ci}, filter ${k}×${k}×${ci}×${co}, stride ${st}, ${pad}`, async () => {
      const f = () => {
        const x = pattern([n, h, w, ci], 0.37);
        const wt = pattern([k, k, ci, co], 0.11);
        return [tf.grad((b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x as tf.Tensor4D, b as tf.Tensor4D, st, pad))))(wt)];
      };
      const [a] = await onBackend('wasm', f);
      const [b] = await onBackend('cpu', f);
      expect(relErr(a, b)).toBeLessThan(1e-4);
    });
  }
});

describe('direct FusedConv2D (Co % 4 == 0) and stride-1 Conv2DBackpropInput (Ci % 4 == 0)', () => {
  // [n, h, w, ci, co, k, stride, pad]: 8- and 4-wide channel tiles, Wo not a multiple of 4, strides 1/2, even kernels (asymmetric 'same').
  const cases: [number, number, number, number, number, number, number, 'same' | 'valid'][] = [
    [2, 9, 7, 1, 16, 3, 1, 'same'],
    [1, 8, 11, 4, 12, 3, 2, 'same'],
    [3, 11, 6, 8, 4, 3, 1, 'valid'],
    [1, 7, 9, 3, 20, 3, 2, 'valid'],
    [2, 10, 13, 16, 32, 3, 1, 'same'],
    [1, 9, 10, 4, 8, 2, 1, 'same'],
    [1, 12, 10, 8, 8, 4, 1, 'same'],
  ];
  for (const [n, h, w, ci, co, k, st, pad] of cases) {
    it(`matches cpu for x ${n}×${h}×${w}×${ci}, filter ${k}×${k}×${ci}×${co}, stride ${st}, ${pad}: value and dx`, async () => {
      const f = () => {
        const x = pattern([n, h, w, ci], 0.37);
        const wt = pattern([k, k, ci, co], 0.11, 1);
        const b = pattern([co], 0.7, 2);
        const conv = (a: tf.Tensor) => tf.fused.conv2d({ x: a as tf.Tensor4D, filter: wt as tf.Tensor4D, bias: b, strides: st, pad });
        const y = tf.tidy(() => conv(x)); // the forward kernel alone (no gradient tape)
        return [y, tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, wt as tf.Tensor4D, st, pad))))(x)];
      };
      const a = await onBackend('wasm', f);
      const c = await onBackend('cpu', f);
      a.forEach((v, i) => expect(relErr(v, c[i]), `output ${i}`).toBeLessThan(1e-5));
    });
  }
});

describe('Winograd F(2×2,3×3) and F(4×4,3×3) convolutions (3×3, stride 1, output size divisible by the tile, Ci % 4 == 0, Co % 8 == 0)', () => {
  // Winograd's float32 rounding differs from direct convolution's (transforms add and subtract before the products),
  // more so for F(4×4) (coefficients up to 8, filter transform with 1/6, 1/12, 1/24). Bounds on max |error| /
  // max |cpu value|: F(2×2) 1e-5 for the value and dx, 1e-4 for dW (a sum over every tile), as for the direct
  // kernels; F(4×4) 5e-5 and 1e-4. Measured on these cases: F(2×2) ≤ 1.6e-6, F(4×4) ≤ 1.8e-5 (value, dx) and
  // ≤ 5.3e-6 (dW); direct ≤ 1.4e-6.
  // [n, h, w, ci, co, pad]: conv2- and conv4-like channels; 'valid' (no padding); tiles spanning several images
  // with a block remainder (5 images × 4 or 16 tiles); Ci = 4: the input gradient (Co' = 4) falls back to the direct
  // kernel; 10 × 12: F(4×4) does not divide the output, so 'winograd4' runs F(2×2); explicit asymmetric padding (the
  // kernels read border tiles with their zeros instead of a padded copy).
  type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
  const cases: [number, number, number, number, number, Pad][] = [
    [2, 8, 12, 16, 32, 'same'],
    [3, 10, 6, 8, 16, 'valid'],
    [1, 4, 4, 64, 128, 'same'],
    [5, 8, 8, 4, 8, 'same'],
    [2, 8, 16, 24, 8, 'same'],
    [2, 10, 12, 16, 32, 'same'],
    [2, 9, 11, 16, 32, [[0, 0], [2, 1], [0, 3], [0, 0]]],
    [2, 6, 6, 8, 8, [[0, 0], [2, 2], [2, 2], [0, 0]]],
  ];
  const grads = (n: number, h: number, w: number, ci: number, co: number, pad: Pad) => () => {
    const x = pattern([n, h, w, ci], 0.37);
    const wt = pattern([3, 3, ci, co], 0.11, 1);
    const b = pattern([co], 0.7, 2);
    const y = tf.tidy(() => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: wt as tf.Tensor4D, bias: b, strides: 1, pad }));
    const [dx, dw] = tf.grads((a: tf.Tensor, c: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, c as tf.Tensor4D, 1, pad))))([x, wt]);
    return [y, dx, dw];
  };
  const withKernel = async <T>(choice: string | undefined, f: () => Promise<T>): Promise<T> => {
    const prev = process.env.SER_CONV_KERNEL;
    if (choice === undefined) delete process.env.SER_CONV_KERNEL;
    else process.env.SER_CONV_KERNEL = choice;
    try {
      return await f();
    } finally {
      if (prev === undefined) delete process.env.SER_CONV_KERNEL;
      else process.env.SER_CONV_KERNEL = prev;
    }
  };
  const bitEqual = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer).equals(Buffer.from(b.buffer));
  for (const [n, h, w, ci, co, pad] of cases) {
    it(`matches cpu for x ${n}×${h}×${w}×${ci}, filter 3×3×${ci}×${co}, ${JSON.stringify(pad)}: value, dx, dW with F(2×2) and F(4×4)`, async () => {
      const f = grads(n, h, w, ci, co, pad);
      const c = await onBackend('cpu', f);
      for (const [kernel, bound] of [['winograd2', 1e-5], ['winograd4', 5e-5]] as const) {
        const a = await withKernel(kernel, () => onBackend('wasm', f));
        expect(relErr(a[0], c[0]), `${kernel} value`).toBeLessThan(bound);
        expect(relErr(a[1], c[1]), `${kernel} dx`).toBeLessThan(bound);
        expect(relErr(a[2], c[2]), `${kernel} dW`).toBeLessThan(1e-4);
      }
    });
  }
  it('is deterministic; auto takes F(4×4) over ≥ 48 tiles; SER_CONV_KERNEL=direct / winograd2 switch kernels (within bounds of cpu)', async () => {
    const f = grads(3, 16, 16, 8, 16, 'same'); // 3 images × 16 F(4×4) tiles
    const a1 = await withKernel(undefined, () => onBackend('wasm', f));
    const a2 = await withKernel(undefined, () => onBackend('wasm', f));
    const w4 = await withKernel('winograd4', () => onBackend('wasm', f));
    const w2 = await withKernel('winograd2', () => onBackend('wasm', f));
    const d = await withKernel('direct', () => onBackend('wasm', f));
    const c = await onBackend('cpu', f);
    a1.forEach((v, i) => expect(bitEqual(v, a2[i]), `auto output ${i} bit-identical`).toBe(true));
    a1.forEach((v, i) => expect(bitEqual(v, w4[i]), `output ${i}: auto is F(4×4)`).toBe(true));
    a1.forEach((v, i) => expect(bitEqual(v, w2[i]), `output ${i}: F(4×4) differs from F(2×2)`).toBe(false));
    w2.forEach((v, i) => expect(bitEqual(v, d[i]), `output ${i}: F(2×2) differs from direct`).toBe(false));
    for (const [name, out, bound] of [['auto', a1, 5e-5], ['winograd2', w2, 1e-5], ['direct', d, 1e-5]] as const) {
      out.forEach((v, i) => expect(relErr(v, c[i]), `${name} output ${i}`).toBeLessThan(i === 2 ? 1e-4 : bound));
    }
  });
  it('winogradTile: F(4×4) for layers 2–3 at training batch sizes, F(2×2) for layer 4 on few images, none where the shape does not allow', () => {
    const prev = process.env.SER_CONV_KERNEL;
    delete process.env.SER_CONV_KERNEL;
    try {
      expect(winogradTile(3, 3, 1, 1, 112, 16, 32, 64, 64)).toBe(4);
      expect(winogradTile(3, 3, 1, 1, 7, 32, 64, 16, 16)).toBe(4);
      expect(winogradTile(3, 3, 1, 1, 28, 64, 128, 4, 4)).toBe(2);
      expect(winogradTile(3, 3, 1, 1, 112, 64, 128, 4, 4)).toBe(4);
      expect(winogradTile(3, 3, 1, 1, 112, 16, 32, 62, 62)).toBe(2);
      expect(winogradTile(3, 3, 1, 1, 112, 1, 16, 128, 128)).toBe(0);
      expect(winogradTile(3, 3, 2, 2, 112, 16, 32, 64, 64)).toBe(0);
      process.env.SER_CONV_KERNEL = 'winograd2';
      expect(winogradTile(3, 3, 1, 1, 112, 16, 32, 64, 64)).toBe(2);
      process.env.SER_CONV_KERNEL = 'direct';
      expect(winogradTile(3, 3, 1, 1, 112, 16, 32, 64, 64)).toBe(0);
    } finally {
      if (prev === undefined) delete process.env.SER_CONV_KERNEL;
      else process.env.SER_CONV_KERNEL = prev;
    }
  });
});

describe('one-input-channel 3×3 stride-1 Conv2DBackpropFilter (the first layer)', () => {
  for (const [n, h, w, co, pad] of [[2, 16, 20, 16, 'same'], [3, 9, 7, 8, 'valid']] as const) {
    it(`x ${n}×${h}×${w}×1, filter 3×3×1×${co}, ${pad}: matches cpu, bit-identical to the direct kernel`, async () => {
      const f = () => {
        const x = pattern([n, h, w, 1], 0.37);
        const wt = pattern([3, 3, 1, co], 0.11);
        return [tf.grad((b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x as tf.Tensor4D, b as tf.Tensor4D, 1, pad))))(wt)];
      };
      const prev = process.env.SER_CONV_KERNEL;
      process.env.SER_CONV_KERNEL = 'direct';
      const [d] = await onBackend('wasm', f);
      delete process.env.SER_CONV_KERNEL;
      const [a] = await onBackend('wasm', f);
      if (prev !== undefined) process.env.SER_CONV_KERNEL = prev;
      const [c] = await onBackend('cpu', f);
      expect(relErr(a, c)).toBeLessThan(1e-4);
      expect(Buffer.from(a.buffer).equals(Buffer.from(d.buffer))).toBe(true);
    });
  }
});

describe('chunked Conv2DBackpropFilter (Co % 4 != 0)', () => {
  it('matches cpu when the pixels span several chunks (x 3×40×70×16, filter 3×3×16×6)', async () => {
    const f = () => {
      const x = pattern([3, 40, 70, 16], 0.37);
      const w = pattern([3, 3, 16, 6], 0.11);
      return [tf.grad((b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))))(w)];
    };
    const [a] = await onBackend('wasm', f);
    const [b] = await onBackend('cpu', f);
    expect(relErr(a, b)).toBeLessThan(1e-4);
  });
});

describe('hashed dropout', () => {
  it('gives the same mask on wasm (SIMD) and cpu (JS), keeps 1−rate of the values scaled by 1/(1−rate), and its gradient is the same mask', async () => {
    const f = () => {
      const x = tf.add(pattern([7, 13, 11, 5], 0.19), 3); // positive everywhere: 0 in y means dropped
      const y = dropout(x, 0.4, 12345);
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(dropout(a, 0.4, 12345), 2)))(x);
      return [x, y, g];
    };
    const [x, yw, gw] = await onBackend('wasm', f);
    const [, yc, gc] = await onBackend('cpu', f);
    expect(Array.from(yw)).toEqual(Array.from(yc));
    expect(Array.from(gw)).toEqual(Array.from(gc));
    let kept = 0;
    for (let i = 0; i < x.length; i++) {
      if (yw[i] !== 0) {
        kept++;
        expect(yw[i]).toBeCloseTo(x[i] / 0.6, 5);
        expect(gw[i]).toBeCloseTo(2 / 0.6, 5);
      } else expect(gw[i]).toBe(0);
    }
    expect(kept / x.length).toBeGreaterThan(0.57);
    expect(kept / x.length).toBeLessThan(0.63);
  });

  it('draws a different mask for another seed', async () => {
    const [a, b] = await onBackend('wasm', () => {
      const x = tf.ones([4000]);
      return [dropout(x, 0.5, 1), dropout(x, 0.5, 2)];
    });
    let same = 0;
    for (let i = 0; i < a.length; i++) if ((a[i] === 0) === (b[i] === 0)) same++;
    expect(same / a.length).toBeLessThan(0.6);
  });
});

describe('zero-copy Identity', () => {
  it('a clone keeps its values after the original is disposed, and shares no writes', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor1d([1, 2, 3]);
    const y = tf.clone(x);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    const v = tf.variable(y);
    v.assign(tf.tensor1d([4, 5, 6]));
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    tf.dispose([y, v]);
  });
});

describe('conv2dBias', () => {
  it('matches tf.fused.conv2d (values and the three gradients) on wasm and cpu', async () => {
    for (const backend of ['wasm', 'cpu'] as const) {
      const run = (ours: boolean) => () => {
        const x = pattern([2, 9, 8, 3], 0.21);
        const w = pattern([3, 3, 3, 4], 0.13, 1);
        const b = pattern([4], 0.5, 2);
        const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => {
          const y = ours ? conv2dBias(xx as tf.Tensor4D, ww as tf.Tensor4D, bb as tf.Tensor1D, [1, 1], 'same') : tf.fused.conv2d({ x: xx as tf.Tensor4D, filter: ww as tf.Tensor4D, bias: bb, strides: 1, pad: 'same' });
          return tf.sum(tf.square(y));
        };
        return [f(x, w, b), ...tf.grads(f)([x, w, b])];
      };
      const a = await onBackend(backend, run(true));
      const r = await onBackend(backend, run(false));
      a.forEach((v, i) => expect(relErr(v, r[i]), `${backend} output ${i}`).toBeLessThan(1e-5));
    }
  });

  it('does not compute the input gradient when only the weights need one (first layer)', async () => {
    await tf.setBackend('wasm');
    const x = pattern([2, 9, 8, 3], 0.21);
    const w = tf.variable(pattern([3, 3, 3, 4], 0.13, 1));
    const b = tf.variable(pattern([4], 0.5, 2));
    const info = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(conv2dBias(x as tf.Tensor4D, w as unknown as tf.Tensor4D, b as unknown as tf.Tensor1D, [1, 1], 'same'))), [w, b]);
      tf.dispose([value, ...Object.values(grads)]);
    });
    const names = info.kernels.map((k) => k.name);
    expect(names).toContain('Conv2DBackpropFilter');
    expect(names).not.toContain('Conv2DBackpropInput');
    tf.dispose([x, w, b]);
  });

  it('biasBeforeBatchNorm: the same output and x/filter gradients, a zero bias gradient, and no Sum over dy', async () => {
    for (const backend of ['wasm', 'cpu'] as const) {
      const run = (flag: boolean) => () => {
        const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.square(conv2dBias(xx as tf.Tensor4D, ww as tf.Tensor4D, bb as tf.Tensor1D, [1, 1], 'same', { biasBeforeBatchNorm: flag })));
        const [x, w, b] = [pattern([2, 9, 8, 3], 0.21), pattern([3, 3, 3, 4], 0.13, 1), pattern([4], 0.5, 2)];
        return [conv2dBias(x as tf.Tensor4D, w as tf.Tensor4D, b as tf.Tensor1D, [1, 1], 'same', { biasBeforeBatchNorm: flag }), ...tf.grads(f)([x, w, b])];
      };
      const [y1, dx1, dw1, db1] = await onBackend(backend, run(true));
      const [y0, dx0, dw0, db0] = await onBackend(backend, run(false));
      expect(y1, backend).toEqual(y0);
      expect(dx1, backend).toEqual(dx0);
      expect(dw1, backend).toEqual(dw0);
      expect(Array.from(db1!), backend).toEqual([0, 0, 0, 0]);
      expect(Math.max(...db0!.map(Math.abs)), backend).toBeGreaterThan(1); // without the flag: Σ dy, far from 0 here
    }
    await tf.setBackend('wasm');
    const x = pattern([2, 9, 8, 3], 0.21);
    const w = tf.variable(pattern([3, 3, 3, 4], 0.13, 1));
    const b = tf.variable(pattern([4], 0.5, 2));
    const kernels = async (flag: boolean) => {
      const info = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(() => tf.mean(conv2dBias(x as tf.Tensor4D, w as unknown as tf.Tensor4D, b as unknown as tf.Tensor1D, [1, 1], 'same', { biasBeforeBatchNorm: flag })), [w, b]);
        tf.dispose([value, ...Object.values(grads)]);
      });
      return info.kernels.map((k) => k.name);
    };
    expect(await kernels(false)).toContain('Sum');
    expect(await kernels(true)).not.toContain('Sum');
    tf.dispose([x, w, b]);
  });
});
