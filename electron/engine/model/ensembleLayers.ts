/**
 * The two layers an ensemble of exported models adds around its members' networks (model/ensembleModel.ts):
 * `FeatureAffine` turns the ensemble's scaled input into one member's (each member was trained with its own
 * scaler), `LogProbMean` combines the members' probabilities into one distribution. Registered for serialization,
 * so an ensemble saves and loads as any model (storage.ts and the gradient workers import this file).
 */
import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import { initializers, layers, type LayerVariable } from '@tensorflow/tfjs-layers';
import { PROB_FLOOR } from './config.js';

type Shape = (number | null)[];

/**
 * y = x·scale + offset, per feature: `scale` and `offset` have the input's shape without the batch axis
 * ([chunks, melBands, frames, 1] for a model's input). Both are fixed (non-trainable) weights, set after building:
 * for member i of an ensemble whose input is scaled with member 1's scaler (μ₁, σ₁), scale = σ₁/σᵢ and
 * offset = (μ₁ − μᵢ)/σᵢ, so y = (raw − μᵢ)/σᵢ, the input member i was trained on.
 */
export class FeatureAffine extends layers.Layer {
  static readonly className = 'VoxFeatureAffine';
  private scale!: LayerVariable;
  private offset!: LayerVariable;

  constructor(args: { name?: string; trainable?: boolean } = {}) {
    super(args);
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const features = s.slice(1) as number[];
    this.scale = this.addWeight('scale', features, 'float32', initializers.ones(), undefined, false);
    this.offset = this.addWeight('offset', features, 'float32', initializers.zeros(), undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => tf.add(tf.mul(x, this.scale.read()), this.offset.read()));
  }
}

/**
 * softmax(mean over members of log p): the normalised geometric mean of N probability vectors [B, classes] —
 * what averaging the members' log-probabilities means. p is clamped at `epsilon` (PROB_FLOOR, as the training loss
 * does) before the log, so one member's zero cannot veto a class outright.
 */
export class LogProbMean extends layers.Layer {
  static readonly className = 'VoxLogProbMean';
  readonly epsilon: number;

  constructor(args: { epsilon?: number; name?: string; trainable?: boolean } = {}) {
    super(args);
    this.epsilon = args.epsilon ?? PROB_FLOOR;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const ps = Array.isArray(inputs) ? inputs : [inputs];
    return tf.tidy(() => {
      const logs = ps.map((p) => tf.log(tf.clipByValue(p, this.epsilon, 1)));
      return tf.softmax(tf.div(tf.addN(logs), ps.length));
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

serialization.registerClass(FeatureAffine);
serialization.registerClass(LogProbMean);
