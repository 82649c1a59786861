/**
 * Identity for wasm without a copy. tfjs' engine runs Identity for every tensor a custom gradient saves
 * (`tf.customGrad` clones them) and for `tf.clone`; wasm's kernel copies the data each time (~100 ms of a batch-8
 * step on the paper's model). Tensors are immutable (a Variable's `assign` swaps its data id, it never writes in
 * place), so sharing the data with a reference count is safe: exactly what wasm's own Reshape, and cpu's Identity, do.
 */
import * as tf from '@tensorflow/tfjs-core';
import { runWasmKernel, type KernelArgs } from './backend.js';

interface RefCounting {
  incRef(dataId: object): void;
}

export function identity({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const x = inputs.x!;
  if (x.dtype === 'string') return runWasmKernel(tf.Identity, backend, inputs);
  (backend as unknown as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityConfig: tf.KernelConfig = {
  kernelName: tf.Identity,
  backendName: 'wasm',
  kernelFunc: identity as unknown as tf.KernelFunc,
};
