/**
 * Two reshaping layers that fold the chunk (time) axis into the batch and back. tfjs-layers' `timeDistributed`
 * unstacks the chunks and loops over them (measured 10× slower on wasm: most of a step went to `Unpack`); folding
 * [B, T, H, W, C] → [B·T, H, W, C] runs every conv once on one big batch, as the PyTorch reference does.
 * `layers.reshape` cannot do this because it never touches the batch axis.
 */
import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import { initializers, layers, type LayerVariable } from '@tensorflow/tfjs-layers';
import { batchNormInfer, batchNormReluPool, batchNormTrain } from '../../../native/tf/ops/batchNorm.js';
import { conv2dBias } from '../../../native/tf/ops/conv2dBias.js';
import { convBatchNormReluPool } from '../../../native/tf/ops/convBlock.js';
import { dropout } from '../../../native/tf/ops/dropout.js';

type Shape = (number | null)[];

function single(shape: Shape | Shape[]): Shape {
  return Array.isArray(shape[0]) || shape[0] === undefined ? (shape as Shape[])[0] : (shape as Shape);
}

function one(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(x) ? x[0] : x;
}

/** [B, T, ...rest] → [B·T, ...rest]. */
export class FoldTime extends layers.Layer {
  static readonly className = 'VoxFoldTime';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = single(inputShape);
    const [b, t, ...rest] = s;
    return [b === null || t === null ? null : b * t, ...rest];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = one(inputs);
    return tf.reshape(x, [-1, ...x.shape.slice(2)]);
  }
}

/** [B·T, ...rest] → [B, T, prod(rest)], T fixed at construction. */
export class UnfoldTime extends layers.Layer {
  static readonly className = 'VoxUnfoldTime';
  readonly steps: number;

  constructor(args: { steps: number; name?: string }) {
    super(args);
    this.steps = args.steps;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = single(inputShape);
    const rest = s.slice(1) as number[];
    return [null, this.steps, rest.reduce((a, b) => a * b, 1)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = one(inputs);
    const features = x.shape.slice(1).reduce((a, b) => a * b, 1);
    return tf.reshape(x, [-1, this.steps, features]);
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), steps: this.steps };
  }
}

/**
 * BatchNorm's moving statistics after a training batch of `n` rows: moving = m·moving + (1−m)·batch, the variance
 * taking the unbiased batch variance (as PyTorch does).
 */
function updateMovingStatistics(movingMean: LayerVariable, movingVariance: LayerVariable, mean: tf.Tensor1D, variance: tf.Tensor1D, n: number, m: number): void {
  tf.tidy(() => {
    movingMean.write(tf.add(tf.mul(movingMean.read(), m), tf.mul(mean, 1 - m)));
    const unbiased = tf.mul(variance, n > 1 ? n / (n - 1) : 1);
    movingVariance.write(tf.add(tf.mul(movingVariance.read(), m), tf.mul(unbiased, 1 - m)));
  });
}

/**
 * BatchNorm over the channel axis followed by ReLU (and, with `pool`, MaxPool pool×pool stride pool 'valid'), as
 * one layer so training runs one fused kernel each way (native/tf/ops/batchNorm.ts) instead of tfjs' generic
 * BatchNorm gradient; with the pool fused too, the full-size activation is never stored. Same weights and semantics as
 * Keras' BatchNormalization (+ ReLU): gamma, beta, moving_mean, moving_variance; moving = m·moving + (1−m)·batch,
 * except that, like PyTorch, the moving variance takes the unbiased batch variance.
 */
export class BatchNormRelu extends layers.Layer {
  static readonly className = 'VoxBatchNormRelu';
  readonly momentum: number;
  readonly epsilon: number;
  readonly relu: boolean;
  /** Max-pool window (= stride, 'valid') applied after the ReLU, or undefined for none. */
  readonly pool: number | undefined;
  private gamma!: LayerVariable;
  private beta!: LayerVariable;
  private movingMean!: LayerVariable;
  private movingVariance!: LayerVariable;

  constructor(args: { momentum: number; epsilon: number; relu?: boolean; pool?: number; name?: string }) {
    super(args);
    this.momentum = args.momentum;
    this.epsilon = args.epsilon;
    this.relu = args.relu ?? true;
    this.pool = args.pool && args.pool > 1 ? args.pool : undefined;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = single(inputShape);
    const p = this.pool;
    if (!p) return s;
    const [b, h, w, c] = s;
    return [b, h === null ? null : Math.floor(h / p), w === null ? null : Math.floor(w / p), c];
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = single(inputShape);
    const c = s[s.length - 1] as number;
    this.gamma = this.addWeight('gamma', [c], 'float32', initializers.ones());
    this.beta = this.addWeight('beta', [c], 'float32', initializers.zeros());
    this.movingMean = this.addWeight('moving_mean', [c], 'float32', initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [c], 'float32', initializers.ones(), undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = one(inputs);
    const gamma = this.gamma.read() as tf.Tensor1D;
    const beta = this.beta.read() as tf.Tensor1D;
    const p = this.pool;
    // A frozen layer (trainable = false, fine-tuning) normalises with its moving statistics and leaves them as they
    // are, like Keras' BatchNormalization: otherwise "frozen" weights would still drift with the new data.
    if (!kwargs.training || !this.trainable) {
      const y = batchNormInfer(x, gamma, beta, this.movingMean.read() as tf.Tensor1D, this.movingVariance.read() as tf.Tensor1D, { epsilon: this.epsilon, relu: this.relu });
      if (!p) return y;
      const pooled = tf.maxPool(y as tf.Tensor4D, p, p, 'valid');
      y.dispose();
      return pooled;
    }
    let y: tf.Tensor;
    let mean: tf.Tensor1D;
    let variance: tf.Tensor1D;
    if (p && this.relu) {
      ({ y, mean, variance } = batchNormReluPool(x as tf.Tensor4D, gamma, beta, { epsilon: this.epsilon, pool: p }));
    } else {
      ({ y, mean, variance } = batchNormTrain(x, gamma, beta, { epsilon: this.epsilon, relu: this.relu }));
      if (p) y = tf.maxPool(y as tf.Tensor4D, p, p, 'valid');
    }
    updateMovingStatistics(this.movingMean, this.movingVariance, mean, variance, x.size / x.shape[x.shape.length - 1], this.momentum);
    return y;
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon, relu: this.relu, ...(this.pool ? { pool: this.pool } : {}) };
  }
}

/**
 * Keras' Dropout (inverted: kept values scaled by 1/(1−rate); identity at inference) through
 * native/tf/ops/dropout.ts, whose mask is a hash of a per-call seed and the element index: no random floats drawn
 * in JS and no mask tensor kept for the gradient.
 */
export class VoxDropout extends layers.Layer {
  static readonly className = 'VoxDropout';
  readonly rate: number;

  constructor(args: { rate: number; name?: string }) {
    super(args);
    this.rate = args.rate;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = one(inputs);
    return kwargs.training && this.rate > 0 ? dropout(x, this.rate) : x;
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}

type Conv2DLayer = ReturnType<typeof layers.conv2d>;
type ConvArgs = Parameters<typeof layers.conv2d>[0];
/** tfjs-layers' Conv2D class (not exported by name: its package entry is a bundle). */
const Conv2DBase = layers.conv2d({ filters: 1, kernelSize: 1 }).constructor as new (args: ConvArgs) => Conv2DLayer;

/**
 * Keras' Conv2D (same weights `kernel`/`bias`, same config) whose training graph asks only for the gradients it
 * needs: conv + bias runs through native/tf/ops/conv2dBias.ts instead of tf.fused.conv2d's customGrad, so the
 * first layer's input gradient is never computed and saved tensors are not copied. Unusual setups (dilation,
 * channels-first, a fused activation, no bias) use Conv2D's own call.
 */
export class VoxConv2D extends Conv2DBase {
  static readonly className = 'VoxConv2D';
  /**
   * The output goes straight into a BatchNorm that trains with its batch statistics (model/build.ts's blocks;
   * freeze.ts freezes conv<n> with bn_relu<n>), which makes the bias's gradient 0: it is then not computed. Default
   * false, which models saved before the field existed load as.
   */
  readonly biasBeforeBatchNorm: boolean;

  constructor(args: ConvArgs & { biasBeforeBatchNorm?: boolean }) {
    super(args);
    this.biasBeforeBatchNorm = args.biasBeforeBatchNorm ?? false;
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), ...(this.biasBeforeBatchNorm ? { biasBeforeBatchNorm: true } : {}) };
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as {
      strides: number[];
      padding: string;
      dataFormat: string;
      dilationRate: number[];
      useBias: boolean;
      activation: { getClassName(): string };
      kernel: LayerVariable;
      bias: LayerVariable;
    };
    const plain =
      self.useBias && self.dataFormat === 'channelsLast' && self.activation.getClassName() === 'linear' && self.dilationRate.every((d) => d === 1) && (self.padding === 'same' || self.padding === 'valid');
    if (!plain) return super.call(inputs, kwargs);
    const x = one(inputs) as tf.Tensor4D;
    const strides: [number, number] = [self.strides[0], self.strides[1]];
    return conv2dBias(x, self.kernel.read() as tf.Tensor4D, self.bias.read() as tf.Tensor1D, strides, self.padding as 'same' | 'valid', { biasBeforeBatchNorm: this.biasBeforeBatchNorm });
  }
}

/**
 * The first conv block as one layer: Conv2D 3×3 'same' + BatchNorm + ReLU + MaxPool pool×pool (stride pool,
 * 'valid'), with the same weights and semantics as VoxConv2D followed by BatchNormRelu — `kernel`, `bias`, `gamma`,
 * `beta`, `moving_mean`, `moving_variance`, created in that order so a model's weight list keeps the two layers'
 * order. Training runs native/tf/ops/convBlock.ts (one wasm kernel each way that never stores the full-size
 * activation, the largest of the model); inference and frozen layers run the conv, then BatchNorm with the moving
 * statistics, then the pool, exactly as the two layers did. Used for a first block over one input channel.
 */
export class ConvBatchNormReluPool extends layers.Layer {
  static readonly className = 'VoxConvBatchNormReluPool';
  readonly filters: number;
  readonly pool: number;
  readonly momentum: number;
  readonly epsilon: number;
  /** Seed of the kernel's Glorot-uniform initializer (as model/build.ts gives every conv). */
  readonly seed: number | undefined;
  private kernel!: LayerVariable;
  private bias!: LayerVariable;
  private gamma!: LayerVariable;
  private beta!: LayerVariable;
  private movingMean!: LayerVariable;
  private movingVariance!: LayerVariable;

  constructor(args: { filters: number; pool: number; momentum: number; epsilon: number; seed?: number; name?: string; trainable?: boolean }) {
    super(args);
    this.filters = args.filters;
    this.pool = args.pool;
    this.momentum = args.momentum;
    this.epsilon = args.epsilon;
    this.seed = args.seed;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, h, w] = single(inputShape);
    const p = this.pool;
    return [b, h === null ? null : Math.floor(h / p), w === null ? null : Math.floor(w / p), this.filters];
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = single(inputShape);
    const ci = s[s.length - 1] as number;
    const c = this.filters;
    this.kernel = this.addWeight('kernel', [3, 3, ci, c], 'float32', initializers.glorotUniform({ seed: this.seed }));
    this.bias = this.addWeight('bias', [c], 'float32', initializers.zeros());
    this.gamma = this.addWeight('gamma', [c], 'float32', initializers.ones());
    this.beta = this.addWeight('beta', [c], 'float32', initializers.zeros());
    this.movingMean = this.addWeight('moving_mean', [c], 'float32', initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [c], 'float32', initializers.ones(), undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = one(inputs) as tf.Tensor4D;
    const kernel = this.kernel.read() as tf.Tensor4D;
    const bias = this.bias.read() as tf.Tensor1D;
    const gamma = this.gamma.read() as tf.Tensor1D;
    const beta = this.beta.read() as tf.Tensor1D;
    const p = this.pool;
    // Frozen (fine-tuning) or inference: the moving statistics, left as they are (as BatchNormRelu does).
    if (!kwargs.training || !this.trainable) {
      return tf.tidy(() => {
        const z = conv2dBias(x, kernel, bias, [1, 1], 'same');
        const y = batchNormInfer(z, gamma, beta, this.movingMean.read() as tf.Tensor1D, this.movingVariance.read() as tf.Tensor1D, { epsilon: this.epsilon, relu: true });
        return p > 1 ? tf.maxPool(y as tf.Tensor4D, p, p, 'valid') : y;
      });
    }
    const { y, mean, variance } = convBatchNormReluPool(x, kernel, bias, gamma, beta, { epsilon: this.epsilon, pool: p });
    updateMovingStatistics(this.movingMean, this.movingVariance, mean, variance, x.size / x.shape[x.shape.length - 1], this.momentum);
    return y;
  }

  override getConfig(): serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      pool: this.pool,
      momentum: this.momentum,
      epsilon: this.epsilon,
      ...(this.seed === undefined ? {} : { seed: this.seed }),
    };
  }
}

// The constructor was cast above, losing the static fromConfig it inherits at run time.
serialization.registerClass(VoxConv2D as unknown as serialization.SerializableConstructor<serialization.Serializable>);
serialization.registerClass(BatchNormRelu);
serialization.registerClass(ConvBatchNormReluPool);
serialization.registerClass(VoxDropout);
serialization.registerClass(FoldTime);
serialization.registerClass(UnfoldTime);

/**
 * tfjs-layers calls a few chained ops (e.g. the orthogonal initializer of the LSTM's recurrent kernel:
 * `r.flatten().stridedSlice(...)`, `diag.sign()`, `q.transpose()`), which only the @tensorflow/tfjs umbrella package
 * installs on Tensor; we use tfjs-core directly, so install the ones missing, forwarding to the functional ops.
 */
const tensorProto = tf.Tensor.prototype as unknown as Record<string, unknown>;
const ops = tf as unknown as Record<string, (...args: unknown[]) => tf.Tensor>;
for (const name of ['stridedSlice', 'sign', 'transpose', 'reshape', 'squeeze', 'expandDims', 'cast', 'slice', 'mul', 'add', 'sub', 'div', 'matMul', 'sum', 'mean', 'abs', 'square', 'sqrt', 'neg', 'exp', 'log', 'max', 'min', 'argMax', 'gather', 'tile', 'clipByValue']) {
  if (typeof tensorProto[name] !== 'function' && typeof ops[name] === 'function') {
    tensorProto[name] = function (this: tf.Tensor, ...args: unknown[]) {
      return ops[name](this, ...args);
    };
  }
}
if (typeof tensorProto.flatten !== 'function') {
  tensorProto.flatten = function (this: tf.Tensor) {
    return tf.reshape(this, [this.size]);
  };
}
