/**
 * Registers the app's training kernels for the tfjs `wasm` backend (which ships forward kernels only for several
 * ops a training step needs, or slow ones). Called once when the wasm backend is loaded; idempotent.
 */
import * as tf from '@tensorflow/tfjs-core';
import { replaceKernel } from './backend.js';
import { conv2DBackpropFilterConfig } from './conv2d_backprop_filter.js';
import { conv2DBackpropInputConfig } from './conv2d_backprop_input.js';
import { fusedConv2DConfig } from './conv2d_direct.js';
import { identityConfig } from './identity.js';
import { maxPoolGradWasmConfig } from './max_pool_grad.js';
import { sumConfig } from './sum.js';
import '../ops/batch_norm.js'; // registers the fused BatchNorm(+ReLU) training kernels and gradient

const kernels: tf.KernelConfig[] = [conv2DBackpropFilterConfig, conv2DBackpropInputConfig, maxPoolGradWasmConfig, identityConfig, sumConfig, fusedConv2DConfig];
let registered = false;

export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  for (const k of kernels) replaceKernel(k);
}
