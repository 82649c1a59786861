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
 * Which convolution kernel the 3×3 stride-1 layers use, from SER_CONV_KERNEL: 'auto' (unset: the faster Winograd
 * variant where one applies, see winogradTile), 'direct' (always the direct kernel), 'winograd2' / 'winograd4'
 * (F(2×2,3×3) / F(4×4,3×3) wherever the shape allows, for A/B comparisons). Read at every call, so a benchmark can
 * switch it within one process, and so it is an escape hatch should Winograd's rounding ever matter.
 */
export type ConvKernelChoice = 'auto' | 'direct' | 'winograd2' | 'winograd4';
export function convKernelChoice(): ConvKernelChoice {
  const v = typeof process !== 'undefined' ? process.env.SER_CONV_KERNEL : undefined;
  return v === 'direct' || v === 'winograd2' || v === 'winograd4' ? v : 'auto';
}

/**
 * Tiles per Winograd block: the block's transformed input V [planes][TB][Ci] and products M [planes][TB][Co] stay
 * in L1/L2 (16 planes for F(2×2), 36 for F(4×4)). The filter gradient sums over the block's tiles in registers, so
 * it wants longer blocks. Exported for benchmarks.
 */
export const winogradTuning = { tilesPerBlock: 8, filterTilesPerBlock: 16, tilesPerBlock4: 12, filterTilesPerBlock4: 32, minChannels: 0, minTiles4: 48 };

/**
 * The Winograd tile for a 3×3 convolution, input gradient or filter gradient of this shape (N images, output
 * Ho × Wo): 2 for F(2×2,3×3), 4 for F(4×4,3×3), 0 for none (direct kernels). Both need stride 1, Ci % 4 == 0,
 * Co % 8 == 0 and an output size divisible by the tile. 'auto' takes F(4×4) when it applies to at least
 * winogradTuning.minTiles4 tiles, else F(2×2): F(4×4)'s per-call cost (a 36-plane filter transform, 2.25× F(2×2)'s)
 * only pays over enough tiles. Measured (interleaved, 3×3 64→128 on 4×4 outputs): F(4×4)/F(2×2) speed 0.4–0.6 at
 * 7 tiles, 0.8–0.9 at 28, 1.1–1.2 at 56, 1.1–1.6 at 112; layers 2–3 (≥ 112 tiles) 1.2–1.5.
 */
export function winogradTile(KH: number, KW: number, sh: number, sw: number, N: number, Ci: number, Co: number, Ho: number, Wo: number): 0 | 2 | 4 {
  const choice = convKernelChoice();
  if (choice === 'direct') return 0;
  if (!(KH === 3 && KW === 3 && sh === 1 && sw === 1 && Ci % 4 === 0 && Co % 8 === 0 && Ci >= winogradTuning.minChannels)) return 0;
  const four = Ho % 4 === 0 && Wo % 4 === 0;
  if (four && (choice === 'winograd4' || (choice === 'auto' && N * (Ho / 4) * (Wo / 4) >= winogradTuning.minTiles4))) return 4;
  return Ho % 2 === 0 && Wo % 2 === 0 ? 2 : 0;
}

/**
 * Floats of scratch a Winograd kernel needs (kernels.as: V and M planes each padded by a cache line, one border
 * tile of `planes` pixels, start aligned to 16 bytes).
 */
export function winogradScratch(planes: number, TB: number, Ci: number, Co: number): number {
  return planes * (TB * (Ci + Co) + 32 + Ci) + 4;
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
  const tile = winogradTile(KH, KW, sh, sw, N, Ci, Co, Ho, Wo);
  if (tile) {
    // no padded copy: the kernels read border tiles with their zeros (kernels.as gatherTile)
    const planes = (tile + 2) * (tile + 2);
    const TB = tile === 4 ? winogradTuning.tilesPerBlock4 : winogradTuning.tilesPerBlock;
    const U = backend.makeOutput([planes * Ci * Co], 'float32');
    const scratch = backend.makeOutput([winogradScratch(planes, TB, Ci, Co)], 'float32');
    const args = [ptr(backend, x), ptr(backend, U), bias ? ptr(backend, bias) : 0, ptr(backend, out), N, H, W, pad.top, pad.left, Ho, Wo, Ci, Co, TB, ptr(backend, scratch)] as const;
    if (tile === 4) {
      k.winogradFilter4(ptr(backend, filter), ptr(backend, U), Ci, Co);
      k.conv2dWinograd4(...args);
    } else {
      k.winogradFilter(ptr(backend, filter), ptr(backend, U), Ci, Co);
      k.conv2dWinograd(...args);
    }
    dispose(backend, U, scratch);
    return out;
  }
  const padded = pad.top || pad.bottom || pad.left || pad.right ? backend.makeOutput([N, Hp, Wp, Ci], 'float32') : undefined;
  if (padded) k.padInput(ptr(backend, x), ptr(backend, padded), N, H, W, Ci, pad.top, pad.bottom, pad.left, pad.right);
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
