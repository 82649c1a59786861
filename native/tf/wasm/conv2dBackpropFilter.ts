/**
 * Conv2DBackpropFilter for wasm (tfjs-backend-wasm has none; routing through Conv3DBackpropFilterV2 takes ~6 s on
 * the paper's 2nd layer). dW[kh,kw,ci,co] = Σ_{n,ho,wo} x[n, ho·s+kh−pt, wo·s+kw−pl, ci] · dy[n,ho,wo,co].
 *
 * 3×3, stride 1, Ci % 4 == 0, Co % 8 == 0, even output size (the paper's layers 2–4): Winograd F(2×2,3×3) or
 * F(4×4,3×3) (see winogradTile in ./conv2dDirect.ts). One input channel, 3×3, stride 1, Co % 8 == 0 (the first
 * layer): convFilterGrad3x3c1, three taps per pass over a row, bit-identical to the direct pass below.
 * SER_CONV_KERNEL=direct turns both off.
 *
 * Otherwise, Co % 4 == 0: one direct SIMD pass (./simd/kernels.as convFilterGrad), image
 * row by image row with dW tiles in registers — 3–6× faster than the im2col + matMul route below, which streams
 * a K×M im2col matrix (K = KH·KW·Ci, M = N·Ho·Wo, e.g. 144 × 229,376 on the 2nd layer) through XNNPACK, whose
 * GEMM is built for small inner dimensions, not M in the hundreds of thousands.
 *
 * Co % 4 != 0: the output pixels in chunks of image rows; for each, the transposed im2col block colsT [K, m]
 * (./simd/kernels.as im2colT) times the chunk's rows of dy [m, Co] (a view, no copy) on XNNPACK's matMul, summed
 * into dW, already in [KH, KW, Ci, Co] layout. Chunks are sized so colsT stays in L2. The untransposed operands
 * matter (wasm's matMul with transposeA, or its Transpose kernel, is ~10× slower).
 */
import * as tf from '@tensorflow/tfjs-core';
import { dispose, runWasmKernel, type KernelArgs } from './backend.js';
import { convKernelChoice, winogradScratch, winogradTile, winogradTuning } from './conv2dDirect.js';
import { heapView, ptr, releaseView, simdKernels } from './simd/kernels.js';

/** Target size of one colsT block, in floats (1 MB: L2-resident alongside the packed dy rows). */
const CHUNK_FLOATS = 256 * 1024;

export function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const x = inputs.x!;
  const dy = inputs.dy!;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat === 'NCHW') throw new Error('wasm Conv2DBackpropFilter supports NHWC only');
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Ci, outHeight: Ho, outWidth: Wo, outChannels: Co } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const tile = winogradTile(KH, KW, sh, sw, N, Ci, Co, Ho, Wo);
  if (tile) return winogradFilterGrad(backend, x, dy, info, tile);
  if (Ci === 1 && KH === 3 && KW === 3 && sh === 1 && sw === 1 && Co % 8 === 0 && convKernelChoice() !== 'direct') return filterGrad3x3OneChannel(backend, x, dy, info);
  if (Co % 4 === 0) {
    const dW = backend.makeOutput(filterShape, 'float32');
    (backend.typedArrayFromHeap(dW) as Float32Array).fill(0);
    simdKernels(backend).convFilterGrad(ptr(backend, x), ptr(backend, dy), ptr(backend, dW), N, H, W, Ci, Ho, Wo, Co, KH, KW, sh, sw, info.padInfo.top, info.padInfo.left);
    return dW;
  }
  const K = KH * KW * Ci;
  const totalRows = N * Ho;
  const rowsPerChunk = Math.max(1, Math.min(totalRows, Math.floor(CHUNK_FLOATS / (K * Wo))));
  const k = simdKernels(backend);
  const acc = backend.makeOutput([K, Co], 'float32');
  const cols = backend.makeOutput([K * rowsPerChunk * Wo], 'float32');
  const colsPtr = ptr(backend, cols);
  const dyPtr = ptr(backend, dy);
  let first = true;
  for (let r0 = 0; r0 < totalRows; r0 += rowsPerChunk) {
    const nRows = Math.min(rowsPerChunk, totalRows - r0);
    const m = nRows * Wo;
    k.im2colT(ptr(backend, x), colsPtr, H, W, Ci, KH, KW, sh, sw, info.padInfo.top, info.padInfo.left, Ho, Wo, r0, nRows);
    const a = heapView(backend, colsPtr, [K, m]);
    const b = heapView(backend, dyPtr + r0 * Wo * Co * 4, [m, Co]);
    const part = runWasmKernel('BatchMatMul', backend, { a, b }, { transposeA: false, transposeB: false });
    releaseView(backend, a);
    releaseView(backend, b);
    if (first) {
      (backend.typedArrayFromHeap(acc) as Float32Array).set(backend.typedArrayFromHeap(part) as Float32Array); // acc is uninitialised
      first = false;
    } else k.accumulate(ptr(backend, acc), ptr(backend, part), K * Co);
    dispose(backend, part);
  }
  dispose(backend, cols);
  return { dataId: acc.dataId, shape: filterShape, dtype: 'float32' };
}

/** Winograd F(tile×tile,3×3): dU = Σ_tiles (Bᵀ x B) ⊗ (A dy Aᵀ) over the zero-padded input, then dW = Gᵀ dU G. */
function winogradFilterGrad(backend: KernelArgs['backend'], x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo, tile: 2 | 4): tf.TensorInfo {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Ci, outHeight: Ho, outWidth: Wo, outChannels: Co } = info;
  const k = simdKernels(backend);
  const planes = (tile + 2) * (tile + 2);
  const TB = tile === 4 ? winogradTuning.filterTilesPerBlock4 : winogradTuning.filterTilesPerBlock;
  // dU is accumulated into once per block and plane: 4 spare floats so it can start 16-byte aligned
  const dU = backend.makeOutput([planes * Ci * Co + 4], 'float32');
  const scratch = backend.makeOutput([winogradScratch(planes, TB, Ci, Co)], 'float32');
  const dW = backend.makeOutput([3, 3, Ci, Co], 'float32');
  const dUp = (ptr(backend, dU) + 15) & ~15;
  (backend.typedArrayFromHeap(dU) as Float32Array).fill(0);
  // no padded copy of x: the kernels read border tiles with their zeros
  const args = [ptr(backend, x), ptr(backend, dy), dUp, N, H, W, info.padInfo.top, info.padInfo.left, Ho, Wo, Ci, Co, TB, ptr(backend, scratch)] as const;
  if (tile === 4) {
    k.convFilterGradWinograd4(...args);
    k.winogradFilterGrad4(dUp, ptr(backend, dW), Ci, Co);
  } else {
    k.convFilterGradWinograd(...args);
    k.winogradFilterGrad(dUp, ptr(backend, dW), Ci, Co);
  }
  dispose(backend, dU, scratch);
  return dW;
}

/** One input channel, 3×3, stride 1 (the first layer): three kw taps per pass over the padded row (convFilterGrad3x3c1). */
function filterGrad3x3OneChannel(backend: KernelArgs['backend'], x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize: N, inHeight: H, inWidth: W, outHeight: Ho, outWidth: Wo, outChannels: Co } = info;
  const { top, bottom, left, right } = info.padInfo;
  const k = simdKernels(backend);
  const padded = top || bottom || left || right ? backend.makeOutput([N, H + top + bottom, W + left + right, 1], 'float32') : undefined;
  const dW = backend.makeOutput([3, 3, 1, Co], 'float32');
  if (padded) k.padInput(ptr(backend, x), ptr(backend, padded), N, H, W, 1, top, bottom, left, right);
  (backend.typedArrayFromHeap(dW) as Float32Array).fill(0);
  k.convFilterGrad3x3c1(ptr(backend, padded ?? x), ptr(backend, dy), ptr(backend, dW), N, H + top + bottom, W + left + right, Ho, Wo, Co);
  if (padded) dispose(backend, padded);
  return dW;
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
