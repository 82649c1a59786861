/**
 * The paper's CNN-LSTM, built with tfjs-layers from a ModelConfig. Input: float32 [B, chunks, melBands, frames, 1]
 * (NHWC per chunk). Output: softmax probabilities [B, classes].
 *
 *   fold time into batch → 4 × (Conv 3×3 'same' → BatchNorm+ReLU+MaxPool p×p (one fused layer) → Dropout)
 *   → unfold to [B, chunks, features] → LSTM (→ optional bidirectional; its last output, or the mean of all)
 *   → Dropout → Dense softmax
 */
import * as tf from '@tensorflow/tfjs-core';
import { initializers, layers, model as functionalModel, input, type LayersModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { resolveModelConfig, type ModelConfig } from './config.js';
import { BatchNormRelu, ConvBatchNormReluPool, FoldTime, UnfoldTime, VoxConv2D, VoxDropout } from './layers.js';

type Layer = layers.Layer;

/** Deterministic per-layer seeds derived from the config seed (undefined → tfjs' Math.random). */
function seeder(seed: number | undefined): () => number | undefined {
  let i = 0;
  return () => (seed === undefined ? undefined : (seed * 7919 + 104729 * ++i) % 2147483647);
}

/**
 * Runs `fn` without tfjs-layers' "Orthogonal initializer is being called on a matrix with more than 2000
 * elements: Slowness may result" warning: the LSTM's 64×256 recurrent kernel is initialised once per model
 * (and again when one is loaded), so for users of `ser train` / `ser classify` it is only noise on stderr.
 * Only that message is dropped; the filter is removed when `fn` (or its promise) settles.
 */
export function withoutOrthogonalWarning<T>(fn: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('Orthogonal initializer is being called')) return;
    warn(...args);
  };
  const restore = () => {
    console.warn = warn;
  };
  try {
    const out = fn();
    if (out instanceof Promise) {
      out.then(restore, restore);
      return out;
    }
    restore();
    return out;
  } catch (err) {
    restore();
    throw err;
  }
}

/** Builds the (uncompiled) model; training goes through ../training/trainer.ts, not `model.fit`. */
export function buildModel(partial: Partial<ModelConfig> = {}): LayersModel {
  return withoutOrthogonalWarning(() => buildModelQuietly(partial));
}

function buildModelQuietly(partial: Partial<ModelConfig>): LayersModel {
  const cfg = resolveModelConfig(partial);
  const x = input({ shape: [cfg.chunks, cfg.melBands, cfg.frames, 1], name: 'features' });
  return functionalModel({ inputs: x, outputs: buildTower(x, cfg).output, name: 'vox_cnn_lstm' });
}

/** One network built on a given input by buildTower: its probabilities and its layers, in the order they were made. */
export interface Tower {
  output: SymbolicTensor;
  /** The LSTM's output, before its dropout: what the emotion layer reads (a speaker adversary reads it too). */
  features: SymbolicTensor;
  layers: Layer[];
}

/**
 * The whole network of `cfg` on `x` ([B, chunks, melBands, frames, 1]), every layer's name prefixed with `prefix`
 * (an ensemble builds one tower per member, `m1_`, `m2_`…, so weight names stay unique; buildModel uses none).
 * Same layers, names and initial weights for a seed as buildModel, whose whole graph this is. Call it inside
 * withoutOrthogonalWarning.
 */
export function buildTower(x: SymbolicTensor, cfg: ModelConfig, prefix = ''): Tower {
  const nextSeed = seeder(cfg.seed);
  const glorot = () => initializers.glorotUniform({ seed: nextSeed() });
  const made: Layer[] = [];
  const add = (layer: Layer, h: SymbolicTensor): SymbolicTensor => {
    made.push(layer);
    return layer.apply(h) as SymbolicTensor;
  };

  let h = add(new FoldTime({ name: `${prefix}fold_time` }), x);
  cfg.filters.forEach((filters, i) => {
    const n = i + 1;
    if (i === 0) {
      // The first block (one input channel, the largest activation) as one layer: conv + BatchNorm + ReLU + MaxPool
      // in one kernel each way on wasm, which never stores the block's full-size activation.
      h = add(new ConvBatchNormReluPool({ filters, pool: cfg.pools[i], momentum: cfg.bnMomentum, epsilon: cfg.bnEpsilon, seed: nextSeed(), name: `${prefix}conv${n}` }), h);
    } else {
      // BatchNorm follows: the conv's bias cannot change the loss, so its (zero) gradient is not computed.
      h = add(new VoxConv2D({ filters, kernelSize: 3, padding: 'same', kernelInitializer: glorot(), biasBeforeBatchNorm: true, name: `${prefix}conv${n}` }), h);
      // BatchNorm + ReLU + MaxPool as one layer: one fused kernel each way on wasm (the full-size activation is never stored).
      h = add(new BatchNormRelu({ momentum: cfg.bnMomentum, epsilon: cfg.bnEpsilon, relu: true, pool: cfg.pools[i], name: `${prefix}bn_relu${n}` }), h);
    }
    if (cfg.convDropout > 0) h = add(new VoxDropout({ rate: cfg.convDropout, name: `${prefix}drop${n}` }), h);
  });
  h = add(new UnfoldTime({ steps: cfg.chunks, name: `${prefix}unfold_time` }), h);
  const lstm = layers.lstm({
    units: cfg.lstmUnits,
    returnSequences: cfg.lstmPool === 'mean',
    kernelInitializer: glorot(),
    recurrentInitializer: initializers.orthogonal({ seed: nextSeed() }),
    name: `${prefix}lstm`,
  });
  h = add(cfg.bidirectional ? layers.bidirectional({ layer: lstm, mergeMode: 'concat', name: `${prefix}bilstm` }) : lstm, h);
  if (cfg.lstmPool === 'mean') h = add(layers.globalAveragePooling1d({ name: `${prefix}lstm_pool` }), h);
  const features = h;
  if (cfg.lstmDropout > 0) h = add(new VoxDropout({ rate: cfg.lstmDropout, name: `${prefix}drop_lstm` }), h);
  const output = add(layers.dense({ units: cfg.classes, activation: 'softmax', kernelInitializer: glorot(), name: `${prefix}emotion` }), h);
  return { output, features, layers: made };
}

/** Trainable parameters (what PyTorch's `sum(p.numel())` counts, minus its LSTM's second bias). */
export function countParams(m: LayersModel): number {
  return m.trainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
}

/**
 * Inference: probabilities [B, classes] for features [B, chunks, melBands, frames, 1]. The caller disposes.
 * `classes`: keep only that many leading outputs (a training network's extra heads, e.g. speakerAdversary.ts).
 */
export function predict(m: LayersModel, xs: tf.Tensor, classes?: number): tf.Tensor2D {
  return tf.tidy(() => {
    const p = m.apply(xs, { training: false }) as tf.Tensor2D;
    return classes !== undefined && classes < p.shape[1] ? tf.slice(p, [0, 0], [-1, classes]) : p;
  });
}
