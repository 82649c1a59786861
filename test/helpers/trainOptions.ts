/**
 * Training options for engine tests that call startTraining directly: a tiny model on a generated texture set
 * (speakers 1–3: test 3, validation 2), no augmentation, wasm — seconds per epoch. Tests override what they check.
 */
import type { TrainOptions } from '../../electron/engine/training/types.js';

export function tinyTrainOptions(data: string, overrides: Partial<TrainOptions> = {}): TrainOptions {
  return {
    data,
    epochs: 1,
    batchSize: 4,
    optimizer: 'adam',
    learningRate: 0.01,
    momentum: 0.8,
    weightDecay: 1e-3,
    schedule: { kind: 'constant' },
    split: { kind: 'speaker', seed: 1, testSpeakers: ['3'], valSpeakers: ['2'] },
    augment: { copies: 0, snrLow: 15, snrHigh: 30 },
    seed: 1,
    backend: 'wasm',
    model: { filters: [4, 4, 4, 4], lstmUnits: 8 },
    ...overrides,
  };
}
