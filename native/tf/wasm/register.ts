/**
 * Registers the app's training kernels for the tfjs `wasm` backend (which ships forward kernels only for several
 * ops a training step needs, or slow ones). Called once when the wasm backend is loaded; idempotent.
 */
import * as tf from '@tensorflow/tfjs-core';

const kernels: tf.KernelConfig[] = [];
let registered = false;

export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  for (const k of kernels) {
    // Replace wasm's own version where it has a slow one.
    if (tf.getKernel(k.kernelName, 'wasm')) tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel(k);
  }
}
