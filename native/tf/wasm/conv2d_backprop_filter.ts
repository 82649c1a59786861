/**
 * Conv2DBackpropFilter for wasm (tfjs-backend-wasm has none; routing through Conv3DBackpropFilterV2 takes ~6 s on
 * the paper's 2nd layer). dW[kh,kw,ci,co] = Σ_{n,ho,wo} x[n, ho·s+kh−pt, wo·s+kw−pl, ci] · dy[n,ho,wo,co]:
 * build the transposed im2col matrix colsT [KH·KW·Ci, M] (M = N·Ho·Wo, rows contiguous over m) in a JS loop, then
 * one XNNPACK matMul colsT · dy[M, Co] gives dW already in [KH, KW, Ci, Co] layout. The untransposed operands matter:
 * wasm's matMul with transposeA, or its Transpose kernel, is ~10× slower. Large inputs are processed in slices of
 * the batch (bounded im2col memory) and the partial dW summed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { dispose, f32, runWasmKernel, type KernelArgs } from './backend.js';

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
    const xs = f32(backend, x);
    const c = f32(backend, cols);
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        for (let ci = 0; ci < Ci; ci++) {
          let o = ((kh * KW + kw) * Ci + ci) * M;
          for (let n = n0; n < n0 + nImg; n++) {
            const xBase = n * H * W * Ci + ci;
            for (let ho = 0; ho < Ho; ho++) {
              const hi = ho * sh + kh - pt;
              if (hi < 0 || hi >= H) {
                c.fill(0, o, o + Wo);
                o += Wo;
                continue;
              }
              const rowBase = xBase + hi * W * Ci;
              let wi = kw - pl;
              for (let wo = 0; wo < Wo; wo++, wi += sw) c[o++] = wi >= 0 && wi < W ? xs[rowBase + wi * Ci] : 0;
            }
          }
        }
      }
    }
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
