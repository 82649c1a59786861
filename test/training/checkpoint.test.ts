/**
 * Checkpoints restore an optimizer exactly: Adam resumed from a checkpoint takes the same steps as Adam that never
 * stopped (tfjs alone recomputes its β powers as pow(β, t + 1), which drifts from the running products).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../native/tf/backends.js';
import { buildModel, type ModelConfig } from '../../electron/engine/model/index.js';
import { createTrainer } from '../../electron/engine/training/trainer.js';
import { adamPowers, loadCheckpoint, saveCheckpoint, type TrainState } from '../../electron/engine/training/checkpoint.js';

const small: Partial<ModelConfig> = { chunks: 3, melBands: 16, frames: 12, filters: [4, 8], pools: [2, 3], lstmUnits: 8, classes: 3, convDropout: 0, lstmDropout: 0, seed: 5 };
const state: TrainState = { nextEpoch: 1, dataRng: [1, 2, 3, 4], mathRng: [5, 6, 7, 8], plateau: null, bestMetric: null, bestEpoch: null, epochsWithoutImprovement: 0, elapsedMs: 0 };

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});

const weightsOf = (m: ReturnType<typeof buildModel>) => m.getWeights().map((w) => Array.from(w.dataSync()));
const powersOf = (o: tf.Optimizer) => {
  const a = adamPowers(o)!;
  return [a.accBeta1.dataSync()[0], a.accBeta2.dataSync()[0]];
};

describe('checkpoint', () => {
  it('Adam resumed after 30 steps takes the next 5 exactly as the run that never stopped', async () => {
    const xs = tf.randomNormal([6, 3, 16, 12, 1], 0, 1, 'float32', 9);
    const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
    const running = buildModel(small);
    const t1 = createTrainer(running, { optimizer: 'adam', learningRate: 0.01, weightDecay: 0 });
    for (let s = 0; s < 30; s++) t1.step(xs, ys);
    const dir = join(mkdtempSync(join(tmpdir(), 'ser-ckpt-')), 'checkpoint');
    await saveCheckpoint(dir, running, t1.optimizer, state);

    const resumed = buildModel({ ...small, seed: 6 }); // other initial weights: the checkpoint must replace them all
    const t2 = createTrainer(resumed, { optimizer: 'adam', learningRate: 0.01, weightDecay: 0 });
    expect(await loadCheckpoint(dir, resumed, t2.optimizer)).toEqual(state);
    // What tfjs alone would give differs from the running products at this step count: the check below can fail.
    expect(tf.tidy(() => tf.pow(0.999, 31).dataSync()[0])).not.toBe(powersOf(t1.optimizer)[1]);
    expect(powersOf(t2.optimizer)).toEqual(powersOf(t1.optimizer));
    expect(weightsOf(resumed)).toEqual(weightsOf(running));
    for (let s = 0; s < 5; s++) expect(t2.step(xs, ys).loss).toBe(t1.step(xs, ys).loss);
    expect(weightsOf(resumed)).toEqual(weightsOf(running));
    t1.dispose();
    t2.dispose();
  });
});
