/**
 * Conv2DBackpropInput for wasm. wasm's own kernel is a naive loop (535 ms on the paper's 2nd layer); for stride 1
 * (and dilation 1) the input gradient is a forward convolution of dy with the spatially flipped filter whose in/out
 * channels are swapped: dx = conv(dy, W'), W'[kh,kw,co,ci] = W[KH−1−kh, KW−1−kw, ci, co], padded KH−1−pt above,
 * KH−1−pb below, KW−1−pl left, KW−1−pr right. It runs on our direct SIMD convolution (./conv2dDirect.ts) when Ci
 * is a multiple of 4, else on XNNPACK (symmetric padding only); other cases fall back to wasm's kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { dispose, f32, runWasmKernel, type KernelArgs } from './backend.js';
import { directConv2d } from './conv2dDirect.js';

export function conv2DBackpropInput({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const dy = inputs.dy!;
  const filter = inputs.filter!;
  const a = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const info = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape as [number, number, number, number], a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  const { filterHeight: KH, filterWidth: KW, inChannels: Ci, outChannels: Co } = info;
  const pad = { top: KH - 1 - info.padInfo.top, bottom: KH - 1 - info.padInfo.bottom, left: KW - 1 - info.padInfo.left, right: KW - 1 - info.padInfo.right };
  const direct = Ci % 4 === 0 && pad.top >= 0 && pad.bottom >= 0 && pad.left >= 0 && pad.right >= 0;
  const symmetric = pad.top === pad.bottom && pad.left === pad.right && pad.top === pad.left && pad.top >= 0;
  if (a.dataFormat === 'NCHW' || info.strideHeight !== 1 || info.strideWidth !== 1 || !(direct || symmetric)) {
    return runWasmKernel(tf.Conv2DBackpropInput, backend, inputs, a);
  }
  const flipped = backend.makeOutput([KH, KW, Co, Ci], 'float32');
  const w = f32(backend, filter);
  const fw = f32(backend, flipped);
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const src = ((KH - 1 - kh) * KW + (KW - 1 - kw)) * Ci * Co;
      const dst = (kh * KW + kw) * Co * Ci;
      for (let ci = 0; ci < Ci; ci++) for (let co = 0; co < Co; co++) fw[dst + co * Ci + ci] = w[src + ci * Co + co];
    }
  }
  const dx = direct
    ? directConv2d(backend, dy, flipped, undefined, pad, 1, 1)
    : runWasmKernel('Conv2D', backend, { x: dy, filter: flipped }, { strides: 1, pad: pad.top, dilations: 1, dataFormat: 'NHWC' });
  dispose(backend, flipped);
  return dx;
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
};
