/**
 * Speaker-adversarial training's parts on the real wasm backend: the gradient reversal, the two networks sharing
 * their layers, the trainer's loss over the emotion head only, and the speakers a run's head is made for.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../native/tf/backends.js';
import { buildAdversarialModel, buildModel, predict, type ModelConfig } from '../../electron/engine/model/index.js';
import { GradientReversal } from '../../electron/engine/model/speakerAdversary.js';
import { createTrainer } from '../../electron/engine/training/trainer.js';
import { trainingSpeakers, type PlannedSample } from '../../electron/engine/training/plan.js';
import { smoothLabels } from '../../electron/engine/training/labelSmoothing.js';
import { SerError } from '../../electron/shared/errors.js';

// No dropout: a step's gradients are then a function of the weights and the batch alone.
const small: Partial<ModelConfig> = { chunks: 3, melBands: 16, frames: 12, filters: [4, 8], pools: [2, 3], lstmUnits: 8, classes: 3, convDropout: 0, lstmDropout: 0, seed: 5 };
const SPEAKERS = 4;

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});

const xs = () => tf.randomNormal([6, 3, 16, 12, 1], 0, 1, 'float32', 9);
/** [emotion one-hot (3) | speaker one-hot (4)] per clip. */
const targets = () =>
  tf.cast(tf.concat([tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3), tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1], 'int32'), SPEAKERS)], 1), 'float32');
/** Gradients by weight name as the layers call it (tfjs suffixes variable names per model instance). */
const values = (model: LayersModel, m: tf.NamedTensorMap) =>
  Object.fromEntries(model.trainableWeights.map((w) => [w.originalName, Array.from(m[(w.read() as tf.Variable).name]!.dataSync())]));

/** One gradient computation of a fresh adversarial network with reversal `scale`: per weight name. */
function adversarialGrads(scale: number) {
  const { trainModel } = buildAdversarialModel(small, SPEAKERS, scale);
  const t = createTrainer(trainModel, { optimizer: 'adam', weightDecay: 0 }, { classes: 3 });
  const x = xs();
  const y = targets();
  const r = t.gradients(x, y);
  const grads = values(trainModel, r.grads);
  tf.dispose([x, y, ...Object.values(r.grads)]);
  t.dispose();
  return { loss: r.loss, correct: r.correct, grads };
}

describe('gradient reversal', () => {
  it('is the identity forwards and multiplies the gradient by −scale backwards', () => {
    const layer = new GradientReversal({ scale: 0.25 });
    const x = tf.tensor1d([1, -2, 3]);
    const c = tf.tensor1d([2, 4, -8]);
    expect(Array.from((layer.apply(x) as tf.Tensor).dataSync())).toEqual([1, -2, 3]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(layer.apply(v) as tf.Tensor, c)))(x);
    expect(Array.from(g.dataSync())).toEqual([-0.5, -1, 2]);
    expect(() => new GradientReversal({ scale: -1 })).toThrow(/scale/);
    expect(layer.getConfig()).toMatchObject({ scale: 0.25 });
  });
});

describe('the adversarial networks', () => {
  it('share the emotion layers: the model is buildModel’s for the seed, the training network adds the speaker outputs', () => {
    const { model, trainModel } = buildAdversarialModel(small, SPEAKERS, 0.5);
    const plain = buildModel(small);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(plain.getWeights().map((w) => Array.from(w.dataSync())));
    expect(trainModel.weights.length).toBe(model.weights.length + 4); // the head's two dense layers
    const x = xs();
    const both = predict(trainModel, x);
    expect(both.shape).toEqual([6, 3 + SPEAKERS]);
    const emotion = predict(model, x);
    expect(Array.from(predict(trainModel, x, 3).dataSync())).toEqual(Array.from(emotion.dataSync()));
    // Both heads are distributions of their own.
    const sums = tf.sum(tf.slice(both, [0, 3], [-1, SPEAKERS]), 1).dataSync();
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
    tf.dispose([x, both, emotion]);
    expect(() => buildAdversarialModel(small, 1, 0.5)).toThrow(/at least 2/);
  });

  it('trains the emotion head as before, the head as a classifier, and the shared layers against it in proportion to the scale', () => {
    const plain = buildModel(small);
    const t = createTrainer(plain, { optimizer: 'adam', weightDecay: 0 });
    const x = xs();
    const y = targets();
    const yEmotion = tf.slice(y, [0, 0], [-1, 3]);
    const ref = t.gradients(x, yEmotion);
    const refGrads = values(plain, ref.grads);
    tf.dispose([x, y, yEmotion, ...Object.values(ref.grads)]);
    t.dispose();

    const g0 = adversarialGrads(0);
    const g1 = adversarialGrads(1);
    const g2 = adversarialGrads(2);
    // The loss and accuracy reported are the emotion head's alone, whatever the scale.
    expect(g0.loss).toBeCloseTo(ref.loss, 6);
    expect(g1.loss).toBeCloseTo(ref.loss, 6);
    expect(g1.correct).toBe(ref.correct);
    const shared = Object.keys(refGrads);
    const head = Object.keys(g1.grads).filter((k) => !shared.includes(k));
    expect(head).toHaveLength(4);
    for (const k of shared) {
      // Scale 0: the speaker head does not reach the shared layers at all.
      g0.grads[k]!.forEach((v, i) => expect(v).toBeCloseTo(refGrads[k]![i]!, 6));
      // The reversed part grows linearly with the scale: g(2) − g(0) = 2·(g(1) − g(0)).
      g2.grads[k]!.forEach((v, i) => expect(v - g0.grads[k]![i]!).toBeCloseTo(2 * (g1.grads[k]![i]! - g0.grads[k]![i]!), 5));
    }
    // …and it is there: the reversed speaker gradient changes the shared layers' gradients.
    const moved = shared.some((k) => g1.grads[k]!.some((v, i) => Math.abs(v - g0.grads[k]![i]!) > 1e-6));
    expect(moved).toBe(true);
    // The head itself learns to tell speakers apart the same way at every scale.
    for (const k of head) g2.grads[k]!.forEach((v, i) => expect(v).toBeCloseTo(g1.grads[k]![i]!, 6));
  });
});

describe('training speakers and targets', () => {
  const sample = (speaker: string | null, path = `${speaker}.wav`): PlannedSample => ({ absPath: `/d/${path}`, contentHash: 'h', key: 'k', label: 0, path, speaker });

  it('are the distinct speakers of the training samples, sorted', () => {
    expect(trainingSpeakers([sample('12'), sample('03'), sample('12'), sample('07')])).toEqual(['03', '07', '12']);
  });

  it('refuse a clip without a speaker (naming it) and a split with one speaker', () => {
    const err = (() => {
      try {
        trainingSpeakers([sample('01'), sample(null, 'happy/a.wav')]);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SerError);
    expect((err as Error).message).toMatch(/^happy\/a\.wav: no speaker id/);
    expect(() => trainingSpeakers([sample('01'), sample('01')])).toThrow(/at least 2 training speakers, the split has 1/);
  });

  it('label smoothing leaves the speaker columns of a row as they are', () => {
    const y = new Float32Array([1, 0, 0, 0, 1, 0, 1, 0, 1, 0]); // 2 rows: 3 emotions | 2 speakers
    smoothLabels(y, 3, 0.3, 5);
    const r = Array.from(y);
    [0.8, 0.1, 0.1, 0, 1, 0.1, 0.8, 0.1, 1, 0].forEach((v, i) => expect(r[i]).toBeCloseTo(v, 6));
  });
});
