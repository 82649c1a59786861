/**
 * Conv2DBackpropFilter for wasm (tfjs-backend-wasm has none; routing through Conv3DBackpropFilterV2 takes ~6 s on
 * the paper's 2nd layer). dW[kh,kw,ci,co] = Σ_{n,ho,wo} x[n, ho·s+kh−pt, wo·s+kw−pl, ci] · dy[n,ho,wo,co]:
 * build the transposed im2col matrix colsT [KH·KW·Ci, M] (M = N·Ho·Wo, rows contiguous over m) in a SIMD-module
 * loop (./simd/kernels.as im2colT), then
 * one XNNPACK matMul colsT · dy[M, Co] gives dW already in [KH, KW, Ci, Co] layout. The untransposed operands matter:
 * wasm's matMul with transposeA, or its Transpose kernel, is ~10× slower. Large inputs are processed in slices of
 * the batch (bounded im2col memory) and the partial dW summed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { dispose, runWasmKernel, type KernelArgs } from './backend.js';
import { ptr, simdKernels } from './simd/kernels.js';

/** Largest im2col buffer per slice, in floats (64 MB). */
const MAX_COLS = 16 * 1024 * 1024;

export function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const x = inputs.x!;
  const dy = inputs.dy!;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat === 'NCHW') throw new Error('wasm Conv2DBackpropFilter supports NHWC only');
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Ci, outHeight: Ho, outWidth: Wo, outChannels: Co } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const K = KH * KW * Ci;
  const perImage = Ho * Wo;
  const imagesPerSlice = Math.max(1, Math.min(N, Math.floor(MAX_COLS / (K * perImage))));

  let acc: tf.TensorInfo | undefined;
  for (let n0 = 0; n0 < N; n0 += imagesPerSlice) {
    const nImg = Math.min(imagesPerSlice, N - n0);
    const M = nImg * perImage;
    const cols = backend.makeOutput([K, M], 'float32');
    simdKernels(backend).im2colT(ptr(backend, x), ptr(backend, cols), H, W, Ci, KH, KW, sh, sw, pt, pl, Ho, Wo, n0, nImg);
    // dy's rows for these images are contiguous; a whole-tensor reshape is free, a slice costs one copy of dy.
    const dyPart = nImg === N ? undefined : runWasmKernel('Slice', backend, { x: dy }, { begin: [n0, 0, 0, 0], size: [nImg, Ho, Wo, Co] });
    const dySlice = runWasmKernel('Reshape', backend, { x: dyPart ?? dy }, { shape: [M, Co] });
    if (dyPart) dispose(backend, dyPart);
    const part = runWasmKernel('BatchMatMul', backend, { a: cols, b: dySlice }, { transposeA: false, transposeB: false });
    dispose(backend, cols, dySlice);
    if (!acc) acc = part;
    else {
      const sum = runWasmKernel('Add', backend, { a: acc, b: part });
      dispose(backend, acc, part);
      acc = sum;
    }
  }
  const out = runWasmKernel('Reshape', backend, { x: acc! }, { shape: filterShape });
  dispose(backend, acc!);
  return out;
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
