/**
 * Speaker-adversarial training (Ganin & Lempitsky 2015's gradient reversal, used for speaker-invariant emotion
 * features by e.g. Li et al. 2019): a second head guesses which training speaker a clip is from, reading the same
 * LSTM output the emotion layer reads, through a layer that is the identity forwards and multiplies the gradient by
 * −scale backwards. The head learns to tell speakers apart; the network below it is pushed to make that impossible,
 * so what it keeps is less about the voice and, one hopes, as much about the emotion.
 *
 * The training network outputs [emotion probabilities | speaker probabilities] side by side, so the trainer's loss
 * −Σ y·log p over one-hot [emotion | speaker] targets is the sum of the two cross-entropies with no change; only
 * the emotion network (the same layers, without the head) is exported. storage.ts and the gradient workers import
 * this file, so a checkpoint of the training network loads anywhere.
 */
import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import { initializers, input, layers, model as functionalModel, type LayersModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { buildTower, withoutOrthogonalWarning } from './build.js';
import { resolveModelConfig, type ModelConfig } from './config.js';

/** Units of the speaker head's hidden layer (a linear head is too easily fooled to push the features far). */
export const SPEAKER_HIDDEN_UNITS = 64;

/** Identity forwards; the gradient times −scale backwards. */
export class GradientReversal extends layers.Layer {
  static readonly className = 'VoxGradientReversal';
  readonly scale: number;
  readonly #reverse: (x: tf.Tensor) => tf.Tensor;

  constructor(args: { scale: number; name?: string }) {
    super(args);
    if (!(Number.isFinite(args.scale) && args.scale >= 0)) throw new RangeError(`gradient reversal scale must be a finite number ≥ 0, got ${args.scale}`);
    this.scale = args.scale;
    // customGrad's function receives the inputs and then a save function: only the first is a tensor.
    this.#reverse = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
      value: tf.clone(args[0] as tf.Tensor),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.mul(Array.isArray(dy) ? dy[0]! : dy, -this.scale),
    })) as (x: tf.Tensor) => tf.Tensor;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return this.#reverse(Array.isArray(inputs) ? inputs[0]! : inputs);
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), scale: this.scale };
  }
}
serialization.registerClass(GradientReversal);

export interface AdversarialModels {
  /** The emotion network alone: buildModel's graph, the same weights for a seed. What is exported and evaluated. */
  model: LayersModel;
  /** The same layers plus the speaker head: output [B, classes + speakers]. What is trained and checkpointed. */
  trainModel: LayersModel;
}

/**
 * The model of `partial` and its training network with a speaker head over `speakers` training speakers, whose
 * gradient reaches the shared layers reversed and scaled by `scale`.
 */
export function buildAdversarialModel(partial: Partial<ModelConfig>, speakers: number, scale: number): AdversarialModels {
  if (!(Number.isInteger(speakers) && speakers >= 2)) throw new RangeError(`a speaker adversary needs at least 2 training speakers, got ${speakers}`);
  return withoutOrthogonalWarning(() => {
    const cfg = resolveModelConfig(partial);
    const x = input({ shape: [cfg.chunks, cfg.melBands, cfg.frames, 1], name: 'features' });
    const tower = buildTower(x, cfg);
    // Seeds of their own: the emotion network's initial weights stay buildModel's for the same seed.
    const seed = (k: number) => (cfg.seed === undefined ? undefined : (cfg.seed * 31 + 0x5eed + k) % 2147483647);
    const reversed = new GradientReversal({ scale, name: 'speaker_reversal' }).apply(tower.features);
    const hidden = layers.dense({ units: SPEAKER_HIDDEN_UNITS, activation: 'relu', kernelInitializer: initializers.glorotUniform({ seed: seed(1) }), name: 'speaker_hidden' }).apply(reversed);
    const speaker = layers.dense({ units: speakers, activation: 'softmax', kernelInitializer: initializers.glorotUniform({ seed: seed(2) }), name: 'speaker' }).apply(hidden);
    const both = layers.concatenate({ axis: -1, name: 'emotion_speaker' }).apply([tower.output, speaker as SymbolicTensor]);
    return {
      model: functionalModel({ inputs: x, outputs: tower.output, name: 'vox_cnn_lstm' }),
      trainModel: functionalModel({ inputs: x, outputs: both as SymbolicTensor, name: 'vox_cnn_lstm_speaker_adversarial' }),
    };
  });
}
