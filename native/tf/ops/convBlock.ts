/**
 * `convBatchNormReluPool(x, filter, bias, gamma, beta, {epsilon, pool})`: the first conv block in training mode —
 * 3×3 'same' convolution of a one-channel input, BatchNorm with the batch's statistics, ReLU, MaxPool pool×pool
 * (stride pool, 'valid') — returning the pooled output and the batch mean/variance (for the moving averages).
 *
 * On wasm it is one kernel each way (kernels.as convBnReluPoolForward/Backward) that never stores the full-size
 * activation: on the paper's 128×128 chunks that activation is 117 MB per 16 samples and the separate conv,
 * BatchNorm+pool and filter-gradient kernels streamed it about seven times per step. Elsewhere (cpu, tfjs-node, or
 * shapes the kernel does not cover) it is conv2dBias then batchNormReluPool: the same values and gradients up to
 * float32 rounding. The input gets no gradient (this is the model's first layer); the conv bias's is exactly 0,
 * since BatchNorm subtracts each channel's batch mean.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchNormReluPool } from './batchNorm.js';
import { conv2dBias } from './conv2dBias.js';
import type { WasmBackendLike } from '../wasm/backend.js';
import { ptr, simdKernels, withScratch } from '../wasm/simd/kernels.js';

export const ConvBatchNormReluPool = 'VoxConvBatchNormReluPool';
export const ConvBatchNormReluPoolGrad = 'VoxConvBatchNormReluPoolGrad';

export interface ConvBlockAttrs {
  epsilon: number;
  /** Max-pool window (= stride, 'valid'). */
  pool: number;
}

/** Float64 words of the patch statistics the forward kernel hands to the backward one (kernels.as STATS). */
const STATS_WORDS = 91;

/** Whether the fused kernel covers these shapes: 3×3 filter over one input channel, channels % 4, window < 16. */
export function fusedConvBlockApplies(x: tf.Tensor4D, filter: tf.Tensor4D, pool: number): boolean {
  const [kh, kw, ci, co] = filter.shape;
  return (
    x.dtype === 'float32' &&
    kh === 3 &&
    kw === 3 &&
    ci === 1 &&
    x.shape[3] === 1 &&
    co % 4 === 0 &&
    Number.isInteger(pool) &&
    pool >= 1 &&
    pool * pool < 255 &&
    x.shape[1] >= pool &&
    x.shape[2] >= pool &&
    tf.getKernel(ConvBatchNormReluPool, tf.getBackend()) !== undefined
  );
}

const forwardKernel: tf.KernelConfig = {
  kernelName: ConvBatchNormReluPool,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend: b, attrs }) => {
    const backend = b as unknown as WasmBackendLike;
    const { x, filter, bias, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
    const { epsilon, pool } = attrs as unknown as ConvBlockAttrs;
    const [N, H, W] = x.shape;
    const C = filter.shape[3];
    const Ho = Math.floor(H / pool);
    const Wo = Math.floor(W / pool);
    const out = backend.makeOutput([N, Ho, Wo, C], 'float32');
    // One byte per pooled output, packed four to an int32: opaque to everything but the backward kernel.
    const idx = backend.makeOutput([Math.ceil((N * Ho * Wo * C) / 4)], 'int32');
    const stats = backend.makeOutput([2 * STATS_WORDS], 'float32');
    const mean = backend.makeOutput([C], 'float32');
    const variance = backend.makeOutput([C], 'float32');
    const p = (t: tf.TensorInfo) => ptr(backend, t);
    withScratch(backend, (H + 2) * (W + 2) + 2 * C + 64, (s) =>
      simdKernels(backend).convBnReluPoolForward(p(x), p(filter), p(bias), p(out), p(idx), p(stats), N, H, W, C, pool, p(gamma), p(beta), epsilon, p(mean), p(variance), s),
    );
    return [out, mean, variance, idx, stats];
  },
};

const backwardKernel: tf.KernelConfig = {
  kernelName: ConvBatchNormReluPoolGrad,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend: b, attrs }) => {
    const backend = b as unknown as WasmBackendLike;
    const { dy, idx, stats, x, filter, gamma, variance } = inputs as Record<string, tf.TensorInfo>;
    const { epsilon, pool } = attrs as unknown as ConvBlockAttrs;
    const [N, H, W] = x.shape;
    const C = filter.shape[3];
    const dW = backend.makeOutput(filter.shape, 'float32');
    const dgamma = backend.makeOutput([C], 'float32');
    const dbeta = backend.makeOutput([C], 'float32');
    const p = (t: tf.TensorInfo) => ptr(backend, t);
    withScratch(backend, (H + 2) * (W + 2) + 20 * C + 16, (s) =>
      simdKernels(backend).convBnReluPoolBackward(p(dy), p(idx), p(stats), p(x), p(filter), N, H, W, C, pool, p(gamma), p(variance), epsilon, p(dW), p(dgamma), p(dbeta), s),
    );
    return [dW, dgamma, dbeta];
  },
};

/**
 * The first conv block in training mode (see the module comment). `x` [N, H, W, 1], `filter` [3, 3, 1, C]; returns
 * y [N, ⌊H/pool⌋, ⌊W/pool⌋, C] and the batch mean and biased variance of the conv output (bias included).
 */
export function convBatchNormReluPool(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  { epsilon, pool }: ConvBlockAttrs,
): { y: tf.Tensor4D; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  if (fusedConvBlockApplies(x, filter, pool)) {
    const [y, mean, variance, idx, stats] = tf.engine().runKernel(ConvBatchNormReluPool, { x, filter, bias, gamma, beta }, { epsilon, pool } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    // The tape keeps its own references to what the gradient needs.
    idx.dispose();
    stats.dispose();
    return { y: y as tf.Tensor4D, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  }
  const z = conv2dBias(x, filter, bias, [1, 1], 'same', { biasBeforeBatchNorm: true });
  const r = batchNormReluPool(z, gamma, beta, { epsilon, pool });
  z.dispose();
  return r;
}

let registered = false;

/** Registers the wasm kernels and the gradient; idempotent. */
export function registerConvBlockKernels(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel(forwardKernel);
  tf.registerKernel(backwardKernel);
  tf.registerGradient({
    kernelName: ConvBatchNormReluPool,
    inputsToSave: ['x', 'filter', 'bias', 'gamma', 'beta'],
    outputsToSave: [false, false, true, true, true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, bias, gamma, , variance, idx, stats] = saved;
      const g = Array.isArray(dy) ? dy[0] : dy;
      const [dW, dgamma, dbeta] = tf.engine().runKernel(ConvBatchNormReluPoolGrad, { dy: g, idx, stats, x, filter, gamma, variance }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      return {
        x: () => {
          throw new Error('convBatchNormReluPool: the input gradient is not computed (the fused block is a first layer)');
        },
        filter: () => dW,
        bias: () => tf.zerosLike(bias),
        gamma: () => dgamma,
        beta: () => dbeta,
      };
    },
  });
}

registerConvBlockKernels();
