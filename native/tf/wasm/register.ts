/**
 * Registers the app's training kernels for the tfjs `wasm` backend (which ships forward kernels only for several
 * ops a training step needs, or slow ones). Called once when the wasm backend is loaded; idempotent.
 */
import * as tf from '@tensorflow/tfjs-core';
import { replaceKernel } from './backend.js';
import { conv2DBackpropFilterConfig } from './conv2dBackpropFilter.js';
import { conv2DBackpropInputConfig } from './conv2dBackpropInput.js';
import { fusedConv2DConfig } from './conv2dDirect.js';
import { identityConfig } from './identity.js';
import { maxPoolGradWasmConfig } from './maxPoolGrad.js';
import { sumConfig } from './sum.js';
import '../ops/batchNorm.js'; // registers the fused BatchNorm(+ReLU) training kernels and gradient
import '../ops/convBlock.js'; // registers the fused first conv block's training kernels and gradient

const kernels: tf.KernelConfig[] = [conv2DBackpropFilterConfig, conv2DBackpropInputConfig, maxPoolGradWasmConfig, identityConfig, sumConfig, fusedConv2DConfig];
let registered = false;

export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  for (const k of kernels) replaceKernel(k);
}
