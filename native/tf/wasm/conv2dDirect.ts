/**
 * Convolution on wasm through our direct SIMD kernel (./simd/kernels.as conv2dDirect: 4 output pixels × 8 output
 * channels per register tile) instead of XNNPACK's, which on the paper's 1st and 2nd layers ran at about half the
 * speed (its GEMM micro-kernels are built for larger channel counts than 1→16 and 16→32). Used for FusedConv2D with
 * a linear activation (what VoxConv2D runs) and, with the flipped filter, for the stride-1 input gradient.
 * Needs NHWC, dilation 1 and an output channel count divisible by 4; callers fall back to wasm's kernels otherwise.
 */
import * as tf from '@tensorflow/tfjs-core';
import { dispose, runWasmKernel, type KernelArgs, type WasmBackendLike } from './backend.js';
import { ptr, simdKernels } from './simd/kernels.js';

export interface Padding {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * Which convolution kernel the 3×3 stride-1 layers use: 'auto' (Winograd F(2×2,3×3) where it applies and pays,
 * see useWinograd) or 'direct' (always the direct kernel). Read from SER_CONV_KERNEL at every call, so a benchmark
 * can switch it within one process, and so it is an escape hatch should Winograd's rounding ever matter.
 */
export function convKernelChoice(): 'auto' | 'direct' {
  const v = typeof process !== 'undefined' ? process.env.SER_CONV_KERNEL : undefined;
  return v === 'direct' ? 'direct' : 'auto';
}

/**
 * Tiles per Winograd block: the block's transformed input V [16][TB][Ci] and products M [16][TB][Co] stay in L1/L2.
 * The filter gradient sums over the block's tiles in registers, so it wants longer blocks. Exported for benchmarks.
 */
export const winogradTuning = { tilesPerBlock: 8, filterTilesPerBlock: 16, minChannels: 0 };

/** Winograd F(2×2,3×3) covers 3×3 filters, stride 1, Ci % 4 == 0, Co % 8 == 0, even output height and width. */
export function useWinograd(KH: number, KW: number, sh: number, sw: number, Ci: number, Co: number, Ho: number, Wo: number): boolean {
  return (
    convKernelChoice() === 'auto' &&
    KH === 3 && KW === 3 && sh === 1 && sw === 1 &&
    Ci % 4 === 0 && Co % 8 === 0 && Ci >= winogradTuning.minChannels &&
    Ho % 2 === 0 && Wo % 2 === 0
  );
}

/** out [N, Ho, Wo, Co] = conv(x, filter [KH, KW, Ci, Co]) + bias, with explicit zero padding and strides. */
export function directConv2d(backend: WasmBackendLike, x: tf.TensorInfo, filter: tf.TensorInfo, bias: tf.TensorInfo | undefined, pad: Padding, sh: number, sw: number): tf.TensorInfo {
  const [N, H, W, Ci] = x.shape;
  const [KH, KW, , Co] = filter.shape;
  const Hp = H + pad.top + pad.bottom;
  const Wp = W + pad.left + pad.right;
  const Ho = Math.floor((Hp - KH) / sh) + 1;
  const Wo = Math.floor((Wp - KW) / sw) + 1;
  const out = backend.makeOutput([N, Ho, Wo, Co], 'float32');
  if (Ho <= 0 || Wo <= 0 || N === 0) return out;
  const k = simdKernels(backend);
  const padded = pad.top || pad.bottom || pad.left || pad.right ? backend.makeOutput([N, Hp, Wp, Ci], 'float32') : undefined;
  if (padded) k.padInput(ptr(backend, x), ptr(backend, padded), N, H, W, Ci, pad.top, pad.bottom, pad.left, pad.right);
  if (useWinograd(KH, KW, sh, sw, Ci, Co, Ho, Wo)) {
    const TB = winogradTuning.tilesPerBlock;
    const U = backend.makeOutput([16 * Ci * Co], 'float32');
    const scratch = backend.makeOutput([16 * TB * (Ci + Co)], 'float32');
    k.winogradFilter(ptr(backend, filter), ptr(backend, U), Ci, Co);
    k.conv2dWinograd(ptr(backend, padded ?? x), ptr(backend, U), bias ? ptr(backend, bias) : 0, ptr(backend, out), N, Hp, Wp, Ci, Co, TB, ptr(backend, scratch));
    dispose(backend, U, scratch);
    if (padded) dispose(backend, padded);
    return out;
  }
  k.conv2dDirect(ptr(backend, padded ?? x), ptr(backend, filter), bias ? ptr(backend, bias) : 0, ptr(backend, out), N, Hp, Wp, Ci, Ho, Wo, Co, KH, KW, sh, sw);
  if (padded) dispose(backend, padded);
  return out;
}

export function fusedConv2D({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, filter, bias, preluActivationWeights } = inputs;
  const a = attrs as unknown as tf.FusedConv2DAttrs;
  const dil = Array.isArray(a.dilations) ? a.dilations : [a.dilations, a.dilations];
  const Co = filter!.shape[3];
  const ok =
    a.dataFormat !== 'NCHW' &&
    (a.activation === 'linear' || a.activation === undefined) &&
    !preluActivationWeights &&
    dil.every((d) => d === 1) &&
    Co % 4 === 0 &&
    x!.dtype === 'float32' &&
    (!bias || (bias.shape.length === 1 && bias.shape[0] === Co));
  if (!ok) return runWasmKernel(tf.FusedConv2D, backend, inputs, attrs);
  const info = tf.backend_util.computeConv2DInfo(x!.shape as [number, number, number, number], filter!.shape as [number, number, number, number], a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  const out = directConv2d(backend, x!, filter!, bias, info.padInfo, info.strideHeight, info.strideWidth);
  if (out.shape[1] !== info.outHeight || out.shape[2] !== info.outWidth) {
    // Cannot happen for consistent padding info; fall back rather than return a wrongly shaped tensor.
    dispose(backend, out);
    return runWasmKernel(tf.FusedConv2D, backend, inputs, attrs);
  }
  return out;
}

export const fusedConv2DConfig: tf.KernelConfig = {
  kernelName: tf.FusedConv2D,
  backendName: 'wasm',
  kernelFunc: fusedConv2D as unknown as tf.KernelFunc,
};
