/**
 * Conv2DBackpropInput for wasm. wasm's own kernel is a naive loop (535 ms on the paper's 2nd layer); for stride 1
 * (and dilation 1) the input gradient is a forward convolution of dy with the spatially flipped filter whose in/out
 * channels are swapped, which runs on XNNPACK: dx = conv(dy, W'), W'[kh,kw,co,ci] = W[KH−1−kh, KW−1−kw, ci, co],
 * padded KH−1−pt above and KW−1−pl left. Other cases (strides > 1, asymmetric padding) fall back to wasm's kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { dispose, f32, runWasmKernel, type KernelArgs } from './backend.js';

export function conv2DBackpropInput({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const dy = inputs.dy!;
  const filter = inputs.filter!;
  const a = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const info = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape as [number, number, number, number], a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  const { filterHeight: KH, filterWidth: KW, inChannels: Ci, outChannels: Co } = info;
  const padTop = KH - 1 - info.padInfo.top;
  const padBottom = KH - 1 - info.padInfo.bottom;
  const padLeft = KW - 1 - info.padInfo.left;
  const padRight = KW - 1 - info.padInfo.right;
  const symmetric = padTop === padBottom && padLeft === padRight && padTop === padLeft && padTop >= 0;
  if (a.dataFormat === 'NCHW' || info.strideHeight !== 1 || info.strideWidth !== 1 || !symmetric) {
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
  const dx = runWasmKernel('Conv2D', backend, { x: dy, filter: flipped }, { strides: 1, pad: padTop, dilations: 1, dataFormat: 'NHWC' });
  dispose(backend, flipped);
  return dx;
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
};
