/**
 * `batchNormTrain(x, gamma, beta, {epsilon, relu})`: training-mode batch normalisation over the last axis with an
 * optional fused ReLU, returning y and the batch mean/variance (for the moving averages). On `wasm` and `cpu` it is
 * one kernel forward and one backward (SIMD WebAssembly on wasm, ./batchNormMath.ts on cpu); elsewhere (tfjs-node) it is composed of tf ops with
 * the same closed-form gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import { bnBackward, bnForward } from './batchNormMath.js';
import { memoryOf } from './memory.js';
import type { WasmBackendLike } from '../wasm/backend.js';
import { ptr, simdKernels, withScratch } from '../wasm/simd/kernels.js';

export const BatchNormTrain = 'VoxBatchNormTrain';
export const BatchNormTrainGrad = 'VoxBatchNormTrainGrad';
export const BatchNormInfer = 'VoxBatchNormInfer';
export const BatchNormReluPool = 'VoxBatchNormReluPool';
export const BatchNormReluPoolGrad = 'VoxBatchNormReluPoolGrad';

export interface BatchNormPoolAttrs {
  epsilon: number;
  /** Max-pool window = stride, 'valid' padding. */
  pool: number;
}

export interface BatchNormAttrs {
  epsilon: number;
  relu: boolean;
}

function channels(t: tf.TensorInfo): number {
  return t.shape[t.shape.length - 1];
}

/** cpu: JS loops over the backend's typed arrays (./batchNormMath.ts). */
function cpuKernels(): tf.KernelConfig[] {
  const backendName = 'cpu';
  return [
    {
      kernelName: BatchNormTrain,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { x, gamma, beta } = inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
        const { epsilon, relu } = attrs as unknown as BatchNormAttrs;
        const C = channels(x);
        const mem = memoryOf(backendName, backend);
        const y = mem.alloc(x.shape);
        const mean = mem.alloc([C]);
        const variance = mem.alloc([C]);
        bnForward(mem.view(x), mem.view(y), mem.view(gamma), mem.view(beta), C, epsilon, relu, mem.view(mean), mem.view(variance));
        return [y, mean, variance];
      },
    },
    {
      kernelName: BatchNormTrainGrad,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { dy, x, y, gamma, mean, variance } = inputs as Record<string, tf.TensorInfo>;
        const { epsilon, relu } = attrs as unknown as BatchNormAttrs;
        const C = channels(x);
        const mem = memoryOf(backendName, backend);
        const dx = mem.alloc(x.shape);
        const dgamma = mem.alloc([C]);
        const dbeta = mem.alloc([C]);
        bnBackward(mem.view(dy), mem.view(x), mem.view(y), mem.view(gamma), mem.view(mean), mem.view(variance), C, epsilon, relu, mem.view(dx), mem.view(dgamma), mem.view(dbeta));
        return [dx, dgamma, dbeta];
      },
    },
  ];
}

/**
 * wasm: SIMD kernels (../wasm/simd/kernels.as) on the backend's heap. The backward pass rebuilds the ReLU mask
 * from x, γ, β and the saved statistics instead of reading y (one fewer pass over the largest activations).
 */
function wasmKernels(): tf.KernelConfig[] {
  return [
    {
      kernelName: BatchNormTrain,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend: b, attrs }) => {
        const backend = b as unknown as WasmBackendLike;
        const { x, gamma, beta } = inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
        const { epsilon, relu } = attrs as unknown as BatchNormAttrs;
        const C = channels(x);
        const y = backend.makeOutput(x.shape, 'float32');
        const mean = backend.makeOutput([C], 'float32');
        const variance = backend.makeOutput([C], 'float32');
        const k = simdKernels(backend);
        const p = (t: tf.TensorInfo) => ptr(backend, t);
        withScratch(backend, 12 * C, (s) => k.bnForward(p(x), p(y), sizeOf(x) / C, C, p(gamma), p(beta), epsilon, relu ? 1 : 0, p(mean), p(variance), s));
        return [y, mean, variance];
      },
    },
    {
      kernelName: BatchNormTrainGrad,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend: b, attrs }) => {
        const backend = b as unknown as WasmBackendLike;
        const { dy, x, gamma, beta, mean, variance } = inputs as Record<string, tf.TensorInfo>;
        const { epsilon, relu } = attrs as unknown as BatchNormAttrs;
        const C = channels(x);
        const dx = backend.makeOutput(x.shape, 'float32');
        const dgamma = backend.makeOutput([C], 'float32');
        const dbeta = backend.makeOutput([C], 'float32');
        const k = simdKernels(backend);
        const p = (t: tf.TensorInfo) => ptr(backend, t);
        withScratch(backend, 16 * C, (s) =>
          k.bnBackward(p(dy), p(x), sizeOf(x) / C, C, p(gamma), p(beta), p(mean), p(variance), epsilon, relu ? 1 : 0, p(dx), p(dgamma), p(dbeta), s),
        );
        return [dx, dgamma, dbeta];
      },
    },
  ];
}

/** wasm, inference: y = [relu](x·scale + off) from the moving statistics in one SIMD pass (wasm's FusedBatchNorm + Relu took ~25 ms of a 3 s window's ~40). */
const inferKernel: tf.KernelConfig = {
  kernelName: BatchNormInfer,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend: b, attrs }) => {
    const backend = b as unknown as WasmBackendLike;
    const { x, gamma, beta, mean, variance } = inputs as Record<string, tf.TensorInfo>;
    const { epsilon, relu } = attrs as unknown as BatchNormAttrs;
    const C = channels(x);
    const y = backend.makeOutput(x.shape, 'float32');
    const p = (t: tf.TensorInfo) => ptr(backend, t);
    withScratch(backend, 2 * C, (s) => simdKernels(backend).bnAffine(p(x), p(y), sizeOf(x) / C, C, p(gamma), p(beta), p(mean), p(variance), epsilon, relu ? 1 : 0, s));
    return y;
  },
};

/**
 * wasm, training: BatchNorm + ReLU + MaxPool (window = stride = pool, 'valid') as one kernel each way
 * (kernels.as bnReluPoolForward/Backward): the full-size BatchNorm output is never written, pooled, or routed back.
 */
const poolKernels: tf.KernelConfig[] = [
  {
    kernelName: BatchNormReluPool,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend: b, attrs }) => {
      const backend = b as unknown as WasmBackendLike;
      const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
      const { epsilon, pool } = attrs as unknown as BatchNormPoolAttrs;
      const [N, H, W, C] = x.shape;
      const out = backend.makeOutput([N, Math.floor(H / pool), Math.floor(W / pool), C], 'float32');
      const mean = backend.makeOutput([C], 'float32');
      const variance = backend.makeOutput([C], 'float32');
      const p = (t: tf.TensorInfo) => ptr(backend, t);
      withScratch(backend, 12 * C, (s) => simdKernels(backend).bnReluPoolForward(p(x), p(out), N, H, W, C, pool, p(gamma), p(beta), epsilon, p(mean), p(variance), s));
      return [out, mean, variance];
    },
  },
  {
    kernelName: BatchNormReluPoolGrad,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend: b, attrs }) => {
      const backend = b as unknown as WasmBackendLike;
      const { dy, y, x, gamma, beta, mean, variance } = inputs as Record<string, tf.TensorInfo>;
      const { epsilon, pool } = attrs as unknown as BatchNormPoolAttrs;
      const [N, H, W, C] = x.shape;
      const dx = backend.makeOutput(x.shape, 'float32');
      const dgamma = backend.makeOutput([C], 'float32');
      const dbeta = backend.makeOutput([C], 'float32');
      const p = (t: tf.TensorInfo) => ptr(backend, t);
      withScratch(backend, 16 * C, (s) =>
        simdKernels(backend).bnReluPoolBackward(p(dy), p(y), p(x), N, H, W, C, pool, p(gamma), p(beta), p(mean), p(variance), epsilon, p(dx), p(dgamma), p(dbeta), s),
      );
      return [dx, dgamma, dbeta];
    },
  },
];

/**
 * Training-mode BatchNorm + ReLU + MaxPool(pool, stride pool, 'valid') on NHWC x: pooled output and the batch
 * statistics. One kernel each way on wasm; batchNormTrain then tf.maxPool elsewhere (same values and gradients).
 */
export function batchNormReluPool(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, { epsilon, pool }: BatchNormPoolAttrs): { y: tf.Tensor4D; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  if (x.dtype === 'float32' && tf.getKernel(BatchNormReluPool, tf.getBackend())) {
    const [y, mean, variance] = tf.engine().runKernel(BatchNormReluPool, { x, gamma, beta }, { epsilon, pool } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    return { y: y as tf.Tensor4D, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  }
  const r = batchNormTrain(x, gamma, beta, { epsilon, relu: true });
  const y = tf.maxPool(r.y as tf.Tensor4D, pool, pool, 'valid');
  r.y.dispose();
  return { y, mean: r.mean, variance: r.variance };
}

/** Inference-mode batch normalisation (+ ReLU) with given statistics: one kernel on wasm, tf ops elsewhere. */
export function batchNormInfer(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, mean: tf.Tensor1D, variance: tf.Tensor1D, { epsilon, relu }: BatchNormAttrs): tf.Tensor {
  if (x.dtype === 'float32' && tf.getKernel(BatchNormInfer, tf.getBackend())) {
    return tf.engine().runKernel(BatchNormInfer, { x, gamma, beta, mean, variance }, { epsilon, relu } as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  return tf.tidy(() => {
    const y = tf.batchNorm(x, mean, variance, beta, gamma, epsilon);
    return relu ? tf.relu(y) : y;
  });
}

function sizeOf(t: tf.TensorInfo): number {
  return t.shape.reduce((a, c) => a * c, 1);
}

let registered = false;

/** Registers the kernels (wasm and cpu) and the gradient; idempotent. */
export function registerBatchNormKernels(): void {
  if (registered) return;
  registered = true;
  for (const k of [...cpuKernels(), ...wasmKernels(), inferKernel, ...poolKernels]) tf.registerKernel(k);
  tf.registerGradient({
    kernelName: BatchNormReluPool,
    inputsToSave: ['x', 'gamma', 'beta'],
    outputsToSave: [true, true, true],
    gradFunc: (dy, saved, attrs) => {
      const [x, gamma, beta, y, mean, variance] = saved;
      const dyY = Array.isArray(dy) ? dy[0] : dy;
      const [dx, dgamma, dbeta] = tf.engine().runKernel(BatchNormReluPoolGrad, { dy: dyY, y, x, gamma, beta, mean, variance }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
    },
  });
  tf.registerGradient({
    kernelName: BatchNormTrain,
    inputsToSave: ['x', 'gamma', 'beta'],
    outputsToSave: [true, true, true],
    gradFunc: (dy, saved, attrs) => {
      const [x, gamma, beta, y, mean, variance] = saved;
      const dyY = Array.isArray(dy) ? dy[0] : dy;
      const [dx, dgamma, dbeta] = tf.engine().runKernel(BatchNormTrainGrad, { dy: dyY, x, y, gamma, beta, mean, variance }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
    },
  });
}

registerBatchNormKernels();

/** The same computation from tf ops, for backends without our kernels. */
export function batchNormTrainComposite(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, { epsilon, relu }: BatchNormAttrs): { y: tf.Tensor; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  const f = tf.customGrad(((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const inv = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul(tf.sub(xi, mean), inv);
    const pre = tf.add(tf.mul(xhat, g), b);
    const value = relu ? tf.relu(pre) : pre;
    save([xhat, inv, g, value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, [xh, iv, gg, out]: tf.Tensor[]) => {
        const dz = relu ? tf.mul(dy, tf.step(out)) : dy;
        const n = xh.size / xh.shape[xh.shape.length - 1];
        const dbeta = tf.sum(dz, axes);
        const dgamma = tf.sum(tf.mul(dz, xh), axes);
        const dx = tf.mul(tf.mul(gg, iv), tf.sub(tf.sub(dz, tf.div(dbeta, n)), tf.mul(xh, tf.div(dgamma, n))));
        return [dx, dgamma, dbeta];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return { y: f(x, gamma, beta), mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

export function batchNormTrain(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, attrs: BatchNormAttrs): { y: tf.Tensor; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  if (tf.getKernel(BatchNormTrain, tf.getBackend())) {
    const [y, mean, variance] = tf.engine().runKernel(BatchNormTrain, { x, gamma, beta }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  }
  return batchNormTrainComposite(x, gamma, beta, attrs);
}
