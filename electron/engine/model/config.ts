/**
 * The model's typed configuration. Defaults are the paper's architecture (see shared/docs/paper.md) and, where
 * frameworks differ, match the PyTorch reference: BatchNorm momentum 0.9 in Keras terms (PyTorch's 0.1), epsilon
 * 1e-5, Dropout 0.3 between the LSTM and the dense layer, weight decay 1e-3 applied as an L2 penalty wd/2·‖w‖².
 */
import { referenceOptimizer } from '../../shared/referenceRecipe.js';

export interface ModelConfig {
  /** Chunks per window (time steps of the LSTM). Default 7. */
  chunks: number;
  /** Mel bands (height of one chunk). Default 128. */
  melBands: number;
  /** Frames per chunk (width of one chunk). Default 128. */
  frames: number;
  /** Output channels of each 3×3 conv block. Default [16, 32, 64, 128]. */
  filters: number[];
  /** Max-pool size (= stride) after each conv block. Default [2, 4, 4, 4]. */
  pools: number[];
  /** Dropout after each conv block, in [0, 1). Default 0.4. */
  convDropout: number;
  /** LSTM hidden units. Default 64. */
  lstmUnits: number;
  /** Bidirectional LSTM (concatenated directions). Default false. */
  bidirectional: boolean;
  /**
   * What the emotion layer reads from the LSTM: its output after the last chunk ('last', the paper's) or the mean of
   * its outputs after every chunk ('mean'), so each chunk's output reaches the loss directly. Default 'last'.
   */
  lstmPool: 'last' | 'mean';
  /** Dropout between the LSTM and the dense layer, in [0, 1). Default 0.3. */
  lstmDropout: number;
  /** Number of classes (softmax outputs). Default 8 (the RAVDESS emotions). */
  classes: number;
  /** BatchNorm moving-average momentum, Keras convention (new = m·old + (1−m)·batch). Default 0.9. */
  bnMomentum: number;
  /** BatchNorm epsilon. Default 1e-5. */
  bnEpsilon: number;
  /** Seed of the weight initialisers, so the same seed builds the same weights on every backend. */
  seed?: number;
}

export const defaultModelConfig: Readonly<ModelConfig> = Object.freeze({
  chunks: 7,
  melBands: 128,
  frames: 128,
  filters: [16, 32, 64, 128],
  pools: [2, 4, 4, 4],
  convDropout: 0.4,
  lstmUnits: 64,
  bidirectional: false,
  lstmPool: 'last',
  lstmDropout: 0.3,
  classes: 8,
  bnMomentum: 0.9,
  bnEpsilon: 1e-5,
});

/**
 * Probabilities are clamped at this before their log, everywhere one is taken: the training loss, an ensemble's
 * mean log-probability and test-time windows — so a class one member or window calls impossible is outvoted, not vetoed
 * outright, and no sum becomes -Infinity.
 */
export const PROB_FLOOR = 1e-7;

export interface TrainConfig {
  /** 'sgd' (with momentum, the reference) or 'adam'. Default 'sgd'. */
  optimizer: 'sgd' | 'adam';
  /** Learning rate. Default 0.01. */
  learningRate: number;
  /** SGD momentum. Default 0.8. */
  momentum: number;
  /** Weight decay, applied as gradient += wd·w (the L2 penalty wd/2·‖w‖²), on every trainable weight. Default 1e-3. */
  weightDecay: number;
}

/** The reference recipe's optimizer (shared/referenceRecipe.ts, which the training options' defaults read too). */
export const defaultTrainConfig: Readonly<TrainConfig> = Object.freeze({ ...referenceOptimizer });

/** Fills defaults and checks ranges; throws RangeError naming the bad field. */
export function resolveModelConfig(partial: Partial<ModelConfig> = {}): ModelConfig {
  const cfg: ModelConfig = { ...defaultModelConfig, filters: [...defaultModelConfig.filters], pools: [...defaultModelConfig.pools], ...partial };
  const posInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`model config: ${name} must be a positive integer, got ${v}`);
  };
  posInt('chunks', cfg.chunks);
  posInt('melBands', cfg.melBands);
  posInt('frames', cfg.frames);
  posInt('lstmUnits', cfg.lstmUnits);
  posInt('classes', cfg.classes);
  if (cfg.filters.length === 0 || cfg.filters.length !== cfg.pools.length) {
    throw new RangeError(`model config: filters and pools must be non-empty and of equal length (${cfg.filters.length} vs ${cfg.pools.length})`);
  }
  cfg.filters.forEach((f, i) => posInt(`filters[${i}]`, f));
  cfg.pools.forEach((p, i) => posInt(`pools[${i}]`, p));
  let h = cfg.melBands;
  let w = cfg.frames;
  for (const p of cfg.pools) {
    h = Math.floor(h / p);
    w = Math.floor(w / p);
  }
  if (h < 1 || w < 1) throw new RangeError(`model config: pools [${cfg.pools}] shrink a ${cfg.melBands}×${cfg.frames} chunk to nothing`);
  for (const [name, v] of [['convDropout', cfg.convDropout], ['lstmDropout', cfg.lstmDropout]] as const) {
    if (!(v >= 0 && v < 1)) throw new RangeError(`model config: ${name} must be in [0, 1), got ${v}`);
  }
  if (cfg.lstmPool !== 'last' && cfg.lstmPool !== 'mean') throw new RangeError(`model config: lstmPool must be 'last' or 'mean', got ${String(cfg.lstmPool)}`);
  if (!(cfg.bnMomentum >= 0 && cfg.bnMomentum < 1)) throw new RangeError(`model config: bnMomentum must be in [0, 1), got ${cfg.bnMomentum}`);
  if (!(cfg.bnEpsilon > 0)) throw new RangeError(`model config: bnEpsilon must be > 0, got ${cfg.bnEpsilon}`);
  return cfg;
}

/** Features per chunk after the conv stack (what the LSTM sees at each step). */
export function chunkFeatureSize(cfg: ModelConfig): number {
  let h = cfg.melBands;
  let w = cfg.frames;
  for (const p of cfg.pools) {
    h = Math.floor(h / p);
    w = Math.floor(w / p);
  }
  return h * w * cfg.filters[cfg.filters.length - 1];
}
