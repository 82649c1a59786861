/**
 * `conv2dBias(x, filter, bias, strides, pad)`: a 2-D convolution plus bias as one FusedConv2D kernel (the bias add
 * is free inside XNNPACK's conv on wasm) with a gradient registered per input. tfjs' `tf.fused.conv2d` wraps the
 * same kernel in `tf.customGrad`, whose gradient computes dx, dfilter and dbias eagerly — including the input
 * gradient of the first layer, which nothing needs (~90 ms of a batch-8 step of the paper's model on wasm) — and
 * which copies the saved tensors. A registered gradient lets the tape ask only for what leads to the variables.
 * Kernels exist on every backend (cpu, wasm, tfjs-node); only the linear activation is used here.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * `biasBeforeBatchNorm`: the output feeds a BatchNorm that normalises with its batch statistics, so the bias gets a
 * zero gradient without it being computed (see the gradient below). An attribute the kernels ignore (cpu, wasm and
 * tfjs-node read theirs by name); the forward output is the same.
 */
export function conv2dBias(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D,
  strides: [number, number],
  pad: 'same' | 'valid',
  opts: { biasBeforeBatchNorm?: boolean } = {},
): tf.Tensor4D {
  const attrs = { strides, pad, dataFormat: 'NHWC', dilations: [1, 1], activation: 'linear', ...(opts.biasBeforeBatchNorm ? { biasBeforeBatchNorm: true } : {}) };
  return tf.engine().runKernel(tf.FusedConv2D, { x, filter, bias }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

let registered = false;

/** Registers the gradient of FusedConv2D as recorded by conv2dBias (tfjs-core registers none: its fused ops use customGrad). */
export function registerConv2dBiasGradient(): void {
  if (registered || tf.getGradient(tf.FusedConv2D)) return;
  registered = true;
  tf.registerGradient({
    kernelName: tf.FusedConv2D,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved;
      const g = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor4D;
      const a = attrs as unknown as tf.FusedConv2DAttrs & { biasBeforeBatchNorm?: boolean };
      if (a.activation !== 'linear' || a.dataFormat !== 'NHWC') throw new Error(`FusedConv2D gradient: only linear NHWC is supported, got ${a.activation} ${a.dataFormat}`);
      const common = { strides: a.strides, pad: a.pad, dataFormat: 'NHWC', dimRoundingMode: a.dimRoundingMode };
      return {
        x: () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: g, filter }, { ...common, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
        filter: () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy: g }, { ...common, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
        // BatchNorm in training subtracts each channel's batch mean, so its output does not change when a constant is
        // added to a channel of its input: the loss does not depend on this bias, whose exact gradient, Σ over N·H·W
        // of BatchNorm's dx, is 0. Summed in float32 it is rounding noise (~1e-7 of the other gradients), after a
        // read of all of dy (117 MB on the paper's first layer at a micro-batch of 16).
        bias: a.biasBeforeBatchNorm ? () => tf.zeros([g.shape[3]], g.dtype) : () => tf.sum(g, [0, 1, 2]),
      };
    },
  });
}

registerConv2dBiasGradient();
