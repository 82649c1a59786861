/** The pieces of `ser tune` that need no audio: the held-out choice and the freeze set (with a real tiny model). */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../native/tf/backends.js';
import { EMOTIONS, type Emotion } from '../../electron/shared/labels.js';
import { buildModel } from '../../electron/engine/model/index.js';
import { applyFreeze } from '../../electron/engine/training/freeze.js';
import { chooseHoldout, type Take } from '../../electron/engine/training/holdout.js';

const takes = (perEmotion: number): Take[] => EMOTIONS.flatMap((e: Emotion) => Array.from({ length: perEmotion }, (_, k) => ({ emotion: e, contentHash: `${e}-${k}`, path: `${e}/take${k}.wav` })));

describe('chooseHoldout', () => {
  it('holds out n takes of every emotion, chosen by the seed, and tunes on the rest', () => {
    const t = takes(4);
    const a = chooseHoldout(t, 1, 7, 'rec');
    expect(a.heldOut).toHaveLength(8);
    expect(new Set(a.heldOut.map((i) => t[i]!.emotion)).size).toBe(8);
    expect(a.train).toHaveLength(24);
    expect(a.train.filter((i) => a.heldOut.includes(i))).toEqual([]);
    expect(chooseHoldout(t, 1, 7, 'rec')).toEqual(a);
    const seeds = [1, 2, 3, 4, 5].map((s) => chooseHoldout(t, 1, s, 'rec').heldOut.join());
    expect(new Set(seeds).size).toBeGreaterThan(1);
    expect(chooseHoldout(t, 2, 7, 'rec').heldOut).toHaveLength(16);
  });

  it('keeps a copy of a held-out take (same content, another name) out of the tuning set', () => {
    const t = takes(3);
    t.push({ ...t[0]!, path: 'neutral/copy-of-take0.wav' });
    t.push({ ...t[1]!, path: 'neutral/copy-of-take1.wav' });
    t.push({ ...t[2]!, path: 'neutral/copy-of-take2.wav' });
    const s = chooseHoldout(t, 1, 3, 'rec');
    const held = new Set(s.heldOut.map((i) => t[i]!.contentHash));
    expect(s.train.filter((i) => held.has(t[i]!.contentHash))).toEqual([]);
  });

  it('refuses a holdout that leaves an emotion nothing to tune on, naming the folder and the emotion', () => {
    const t = takes(3).filter((x) => !(x.emotion === 'calm' && x.path !== 'calm/take0.wav'));
    expect(() => chooseHoldout(t, 1, 1, '/rec')).toThrow('/rec: calm has 1 take(s); holding out 1 per emotion leaves none to tune on');
  });
});

describe('applyFreeze', () => {
  beforeAll(async () => {
    await selectBackend({ backend: 'cpu' });
  });

  it("'cnn' freezes the conv and BatchNorm layers: only the LSTM and the output layer train", () => {
    const m = buildModel({ filters: [4, 4, 4, 4], lstmUnits: 8, seed: 1 });
    expect(applyFreeze(m, 'cnn')).toEqual(['conv1', 'conv2', 'bn_relu2', 'conv3', 'bn_relu3', 'conv4', 'bn_relu4']);
    expect(new Set(m.trainableWeights.map((w) => w.originalName.split('/')[0]))).toEqual(new Set(['lstm', 'emotion']));
    expect(applyFreeze(m, 'lstm')).toEqual(['conv1', 'conv2', 'bn_relu2', 'conv3', 'bn_relu3', 'conv4', 'bn_relu4', 'lstm']);
    expect(new Set(m.trainableWeights.map((w) => w.originalName.split('/')[0]))).toEqual(new Set(['emotion']));
    expect(applyFreeze(m, 'none')).toEqual([]); // a tuned model tuned again trains everything
    expect(m.trainableWeights.some((w) => w.originalName.startsWith('conv1/'))).toBe(true);
    m.dispose();
  });

  it('a frozen BatchNorm keeps its moving statistics in a training-mode pass', () => {
    const m = buildModel({ filters: [4, 4, 4, 4], lstmUnits: 8, seed: 1, chunks: 2, melBands: 32, frames: 32, pools: [2, 2, 2, 2] });
    // conv1 is the fused first block (conv + BatchNorm + ReLU + pool); bn_relu2 a plain BatchNorm layer
    const bn = () => ['conv1', 'bn_relu2'].flatMap((n) => m.getLayer(n).getWeights().map((w) => Array.from(w.dataSync())));
    const x = tf.randomNormal([2, 2, 32, 32, 1], 0, 1, 'float32', 5);
    applyFreeze(m, 'cnn');
    const frozen = bn();
    tf.dispose(m.apply(x, { training: true }) as tf.Tensor);
    expect(bn()).toEqual(frozen);
    applyFreeze(m, 'none');
    tf.dispose(m.apply(x, { training: true }) as tf.Tensor);
    expect(bn()).not.toEqual(frozen); // trainable again: the statistics move as in training
    x.dispose();
    m.dispose();
  });
});
