/**
 * MaxPoolGrad for wasm and cpu as one JS pass (wasm's kernel took ~0.4 s of a batch-8 step; cpu's is slower still):
 * each output's gradient goes to the first input position in its window equal to the pooled maximum (the same
 * choice as tfjs' cpu kernel: the first strictly greater value while scanning). The equality test is almost always
 * false, so it predicts well, unlike an argmax search.
 */
import * as tf from '@tensorflow/tfjs-core';
import { memoryOf } from '../ops/memory.js';
import type { WasmBackendLike } from './backend.js';
import { ptr, simdKernels } from './simd/kernels.js';

function route(dy: Float32Array, x: Float32Array, y: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  dx.fill(0);
  for (let n = 0; n < N; n++) {
    for (let ho = 0; ho < Ho; ho++) {
      const h0 = ho * sh - pt;
      const hs = Math.max(0, h0);
      const he = Math.min(H, h0 + KH);
      for (let wo = 0; wo < Wo; wo++) {
        const w0 = wo * sw - pl;
        const ws = Math.max(0, w0);
        const we = Math.min(W, w0 + KW);
        const o = ((n * Ho + ho) * Wo + wo) * C;
        for (let c = 0; c < C; c++) routeOne(dy[o + c], y[o + c], x, dx, n, c, hs, he, ws, we, H, W, C);
      }
    }
  }
}

function routeOne(g: number, target: number, x: Float32Array, dx: Float32Array, n: number, c: number, hs: number, he: number, ws: number, we: number, H: number, W: number, C: number): void {
  for (let h = hs; h < he; h++) {
    let i = ((n * H + h) * W + ws) * C + c;
    for (let w = ws; w < we; w++, i += C) {
      if (x[i] === target) {
        dx[i] += g;
        return;
      }
    }
  }
}

/** Windows that tile the input without overlap or padding (the model's pools: size = stride, 'valid'). */
function tiled(info: tf.backend_util.Conv2DInfo): boolean {
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw, padInfo } = info;
  return KH === sh && KW === sw && padInfo.top === 0 && padInfo.left === 0 && info.dilationHeight === 1 && info.dilationWidth === 1;
}

/** The tiled case as one SIMD pass (../wasm/simd/kernels.as maxPoolGradTiled): 4 channels at a time, no zero-fill. */
function simdRoute(backend: WasmBackendLike, dy: tf.TensorInfo, x: tf.TensorInfo, y: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const dx = backend.makeOutput(x.shape, 'float32');
  const p = (t: tf.TensorInfo) => ptr(backend, t);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo, filterHeight: KH, filterWidth: KW } = info;
  simdKernels(backend).maxPoolGradTiled(p(dy), p(x), p(y), p(dx), N, H, W, C, Ho, Wo, KH, KW);
  return dx;
}

function config(backendName: 'wasm' | 'cpu'): tf.KernelConfig {
  return {
    kernelName: tf.MaxPoolGrad,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, input, output } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo; output: tf.TensorInfo };
      const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
      const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
      if (backendName === 'wasm' && tiled(info)) return simdRoute(backend as unknown as WasmBackendLike, dy, input, output, info);
      const mem = memoryOf(backendName, backend);
      const dx = mem.alloc(input.shape);
      route(mem.view(dy), mem.view(input), mem.view(output), mem.view(dx), info);
      return dx;
    },
  };
}

export const maxPoolGradWasmConfig = config('wasm');
