/**
 * Sum for wasm, fast path for reducing every axis but the last (a bias gradient: Σ over N, H, W of dy). wasm's
 * kernel transposes the input first so the reduced axes are innermost, which made conv bias gradients ~50 ms each
 * on the paper's first layers; kernels.as `sumRows` reads the data once. Other reductions use wasm's kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { runWasmKernel, type KernelArgs } from './backend.js';
import { ptr, simdKernels, withScratch } from './simd/kernels.js';

/** True when `axis` names exactly the axes 0 … rank−2. */
function allButLast(axis: number | number[], rank: number): boolean {
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  return rank >= 2 && axes.length === rank - 1 && axes.every((a, i) => a === i);
}

export function sum({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const x = inputs.x!;
  const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
  const rank = x.shape.length;
  if (x.dtype !== 'float32' || !allButLast(axis, rank)) return runWasmKernel(tf.Sum, backend, inputs, attrs);
  const C = x.shape[rank - 1];
  const rows = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const out = backend.makeOutput(keepDims ? [...x.shape.slice(0, -1).map(() => 1), C] : [C], 'float32');
  if (C > 0) withScratch(backend, 4 * C, (s) => simdKernels(backend).sumRows(ptr(backend, x), rows, C, ptr(backend, out), s));
  return out;
}

export const sumConfig: tf.KernelConfig = {
  kernelName: tf.Sum,
  backendName: 'wasm',
  kernelFunc: sum as unknown as tf.KernelFunc,
};
