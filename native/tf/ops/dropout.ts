/**
 * `dropout(x, rate, seed)`: inverted dropout (kept values scaled by 1/(1−rate)) whose mask is a hash of (seed,
 * element index), so it is never stored: the gradient regenerates it (the same kernel applied to dy). tfjs'
 * `tf.dropout` draws a float per element in JS (seedrandom) and runs five tensor ops, ~150 ms per micro-batch of the
 * paper's model on the first block alone; here it is one SIMD pass on wasm (../wasm/simd/kernels.as dropout) and
 * one JS loop on cpu, bit-identical masks on both. Other backends (tfjs-node) use tfjs' own dropout.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from '../wasm/backend.js';
import { ptr, simdKernels } from '../wasm/simd/kernels.js';
import { memoryOf } from './memory.js';

export const Dropout = 'VoxDropout';

export interface DropoutAttrs {
  rate: number;
  /** 32-bit unsigned seed of the mask. */
  seed: number;
}

/** keep ⇔ (h >>> 8) ≥ threshold, with h as in kernels.as. */
export function dropoutThreshold(rate: number): number {
  return Math.min(2 ** 24, Math.max(0, Math.round(rate * 2 ** 24)));
}

/** The hash of kernels.as' dropout, in JS. */
export function dropoutHash(seed: number, i: number): number {
  let h = (Math.imul(i, 0x9e3779b9) ^ seed) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h = (h ^ (h >>> 15)) >>> 0;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

function size(t: tf.TensorInfo): number {
  return t.shape.reduce((a, c) => a * c, 1);
}

const kernels: tf.KernelConfig[] = [
  {
    kernelName: Dropout,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend: b, attrs }) => {
      const backend = b as unknown as WasmBackendLike;
      const { x } = inputs as { x: tf.TensorInfo };
      const { rate, seed } = attrs as unknown as DropoutAttrs;
      const out = backend.makeOutput(x.shape, 'float32');
      simdKernels(backend).dropout(ptr(backend, x), ptr(backend, out), size(x), seed >>> 0, dropoutThreshold(rate), 1 / (1 - rate));
      return out;
    },
  },
  {
    kernelName: Dropout,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      const { rate, seed } = attrs as unknown as DropoutAttrs;
      const mem = memoryOf('cpu', backend);
      const out = mem.alloc(x.shape);
      const xs = mem.view(x);
      const ys = mem.view(out);
      const thr = dropoutThreshold(rate);
      const scale = Math.fround(1 / (1 - rate));
      for (let i = 0; i < xs.length; i++) ys[i] = dropoutHash(seed >>> 0, i) >>> 8 >= thr ? Math.fround(xs[i] * scale) : 0;
      return out;
    },
  },
];

let registered = false;

export function registerDropoutKernels(): void {
  if (registered) return;
  registered = true;
  for (const k of kernels) tf.registerKernel(k);
  tf.registerGradient({
    kernelName: Dropout,
    gradFunc: (dy, _saved, attrs) => ({ x: () => tf.engine().runKernel(Dropout, { x: Array.isArray(dy) ? dy[0] : dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor }),
  });
}

registerDropoutKernels();

/** Training-mode dropout of x with a fresh random seed (or `seed`). rate 0 returns x itself. */
export function dropout(x: tf.Tensor, rate: number, seed = Math.floor(Math.random() * 2 ** 32)): tf.Tensor {
  if (rate <= 0) return x;
  const attrs = { rate, seed: seed >>> 0 };
  if (tf.getKernel(Dropout, tf.getBackend())) return tf.engine().runKernel(Dropout, { x }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  return tf.dropout(x, rate);
}
