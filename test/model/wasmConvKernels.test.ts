/**
 * Our wasm Conv2D gradient kernels against the cpu backend's (tfjs' reference implementations), on odd shapes,
 * strides 1 and 2, 'same' and 'valid', batch 1: max abs error relative to the largest value ≤ 1e-4.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../native/tf/backends.js';
import { onBackend, relErr, pattern } from './helpers.js';

beforeAll(async () => {
  await selectBackend({ backend: 'cpu' });
  await selectBackend({ backend: 'wasm' });
});

type Case = [n: number, h: number, w: number, ci: number, co: number, k: number, stride: number, pad: 'same' | 'valid'];
const cases: Case[] = [
  [2, 9, 7, 3, 4, 3, 1, 'same'],
  [1, 8, 8, 2, 3, 3, 2, 'same'],
  [3, 11, 6, 2, 5, 3, 1, 'valid'],
  [1, 7, 9, 1, 2, 3, 2, 'valid'],
  [1, 13, 5, 16, 8, 3, 1, 'same'],
  [2, 6, 10, 4, 4, 5, 1, 'same'],
  [1, 9, 9, 3, 2, 2, 1, 'same'], // even kernel: asymmetric 'same' padding (input grad falls back)
];

describe('wasm Conv2DBackpropFilter / Conv2DBackpropInput match cpu', () => {
  for (const [n, h, w, ci, co, k, s, pad] of cases) {
    it(`x ${n}×${h}×${w}×${ci}, filter ${k}×${k}×${ci}×${co}, stride ${s}, ${pad}`, async () => {
      const grads = () => {
        const x = pattern([n, h, w, ci], 0.37);
        const f = pattern([k, k, ci, co], 0.11);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad))));
        return g([x, f]);
      };
      const [wdx, wdf] = await onBackend('wasm', grads);
      const [cdx, cdf] = await onBackend('cpu', grads);
      expect(relErr(wdx, cdx)).toBeLessThan(1e-4);
      expect(relErr(wdf, cdf)).toBeLessThan(1e-4);
    });
  }
});
