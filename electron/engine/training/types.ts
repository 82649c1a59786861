/**
 * The training engine's contract: what a caller (CLI, services behind IPC / HTTP) passes in and the events it
 * gets back. Plain data only, so events cross worker, IPC and WebSocket boundaries unchanged.
 */
import type { Emotion } from '../../shared/labels.js';
import type { SplitSpec } from '../dataset/splits.js';
import type { ModelConfig } from '../model/config.js';
import type { SpecAugmentConfig } from '../audio/specAugment.js';
import type { MelNorm } from '../../shared/melNorms.js';
import type { BackendName } from '../../../native/tf/backends.js';
import { referenceAugment } from '../../shared/referenceRecipe.js';

export type LrSchedule =
  | { kind: 'constant' }
  | { kind: 'step'; stepSize: number; gamma: number }
  | { kind: 'cosine'; minLr: number }
  | { kind: 'plateau'; factor: number; patience: number; minLr: number };

export interface AugmentConfig {
  /** Noisy copies per training clip (reference: 2). 0 disables augmentation. */
  copies: number;
  /** Integer SNR drawn from [snrLow, snrHigh) dB (reference: 15, 30). */
  snrLow: number;
  snrHigh: number;
  /**
   * Speed perturbation of the noisy copies: each copy also plays at a speed drawn from [speedLow, speedHigh] in
   * whole hundredths (audio/speed.ts). Absent = off (every copy at speed 1, as the reference).
   */
  speedLow?: number;
  speedHigh?: number;
  /**
   * Time shift of the noisy copies: each copy's window starts at the features' offset plus a shift drawn from
   * [−shift, shift] s in whole hundredths (never before the file's start). Absent or 0 = off, as the reference.
   */
  shift?: number;
  /**
   * Pitch shift of the noisy copies with the tempo kept (audio/pitchShift.ts): pitch and formants of each copy
   * scaled by a factor drawn from [1 − pitchShift, 1 + pitchShift] in whole hundredths. Absent or 0 = off.
   */
  pitchShift?: number;
}

/** The reference's augmentation: two noisy copies per training clip, SNR drawn from [15, 30) dB. */
export const defaultAugment: Readonly<AugmentConfig> = referenceAugment;

export interface TrainOptions {
  /** Dataset folder (scanned; features come from the cache). */
  data: string;
  name?: string;
  epochs: number;
  /** Effective batch size (reference: 32); split into micro-batches where memory requires. */
  batchSize: number;
  /** Samples per forward/backward pass; default min(batchSize, 32) on wasm/cpu, batchSize elsewhere. */
  microBatch?: number;
  optimizer: 'sgd' | 'adam';
  learningRate: number;
  momentum: number;
  weightDecay: number;
  schedule: LrSchedule;
  /** Stop when the validation metric has not improved for `patience` epochs, restoring the best weights. */
  earlyStopping?: { patience: number; metric: 'valLoss' | 'valAccuracy' };
  split: SplitSpec;
  augment: AugmentConfig;
  /** SpecAugment-style masking of training clips (not of their validation/test parts); absent = none, the paper's setting. */
  specAugment?: SpecAugmentConfig;
  /** Mixup α of training batches (λ ~ Beta(α, α)); absent or 0 = none, the paper's setting. */
  mixup?: number;
  /** Random frequency warp of training clips by up to ± this fraction (VTLP-like); absent or 0 = none. */
  freqWarp?: number;
  /** Per-clip mel normalisation of every clip the run reads (features.ts); absent = none, the paper's features. */
  melNorm?: MelNorm;
  /** Label smoothing ε of the training targets ((1 − ε)·target + ε/classes); absent or 0 = none, the paper's setting. */
  labelSmoothing?: number;
  /**
   * Speaker-adversarial training (model/speakerAdversary.ts): a head guessing the training speaker through a gradient
   * reversal of this scale; absent or 0 = none, the paper's setting. Needs a speaker for every training clip.
   */
  speakerAdversary?: number;
  seed: number;
  /** Force a backend; default: the fastest that loads. */
  backend?: BackendName;
  /**
   * Data-parallel training threads on the wasm/cpu backends (one slice of every batch each; BatchNorm statistics
   * per worker). New runs default to one per core; a run stored without it (older versions) used 1.
   */
  workers?: number;
  model?: Partial<ModelConfig>;
  /** Keep RAVDESS song clips. */
  includeSong?: boolean;
}

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Metrics {
  /** Overall accuracy (the paper's "accuracy"; also called weighted accuracy, WA). */
  accuracy: number;
  /** Unweighted average recall (UAR): mean of per-class recalls, the SER field's standard. */
  uar: number;
  macroF1: number;
  weightedF1: number;
  labels: readonly Emotion[];
  /** confusion[true][predicted] counts. */
  confusion: number[][];
  /** Rows normalised to sum 1 (0 rows stay 0). */
  confusionNormalized: number[][];
  perClass: Record<Emotion, ClassMetrics>;
  loss?: number;
}

/**
 * Where an epoch's time went (ms): `stepMs` from handing a batch to the trainer until its update was applied
 * (includes the overlapped assembly of the next batch), `assembleMs` building batches (chunks + scaler), `evalMs`
 * the validation pass, `checkpointMs` the previous epoch's checkpoint writes (they follow its event).
 */
export interface EpochTiming {
  stepMs: number;
  assembleMs: number;
  evalMs: number;
  checkpointMs: number;
}

export type TrainEvent =
  /** Before the first epoch: scanning the dataset and computing (or finding cached) features. */
  | { event: 'preparing'; runId: number | null; stage: 'scan' | 'features'; done: number; total: number; etaMs: number }
  | { event: 'started'; runId: number; name: string; backend: string; epochs: number; startEpoch: number; trainSize: number; valSize: number; testSize: number; batchesPerEpoch: number; resumed: boolean; workers: number }
  | { event: 'batch'; runId: number; epoch: number; batch: number; batches: number; loss: number; accuracy: number; samplesPerSec: number; etaMs: number }
  | { event: 'epoch'; runId: number; epoch: number; epochs: number; trainLoss: number; trainAccuracy: number; valLoss: number | null; valAccuracy: number | null; valUar: number | null; lr: number; durationMs: number; samplesPerSec: number; etaMs: number; tensors?: number; timing?: EpochTiming }
  | { event: 'checkpoint'; runId: number; epoch: number; path: string; best: boolean }
  | { event: 'paused'; runId: number; epoch: number }
  | { event: 'resumed'; runId: number; epoch: number }
  /** The test figures are null when the split has no test part (`all`: judge such a recipe by cross-validation). */
  | { event: 'finished'; runId: number; testAccuracy: number | null; uar: number | null; macroF1: number | null; epochs: number; durationMs: number; modelDir: string }
  | { event: 'failed'; runId: number | null; error: string }
  | { event: 'cancelled'; runId: number; epoch: number };

export type TrainEventName = TrainEvent['event'];

/** Where a training session keeps its records and files. */
export interface TrainingEnv {
  /** SQLite experiment database. */
  dbPath: string;
  /** Data directory (feature cache, checkpoints, exported models). */
  dataDir: string;
}

/**
 * A running (or resuming) training session. Training itself runs on a worker thread; this handle lives on the
 * caller's thread and never blocks it.
 */
export interface TrainingHandle {
  /** Resolves once the run is recorded in the store. */
  readonly runId: Promise<number>;
  /** Subscribes to events (also replayed: `started` and the latest `epoch` for late subscribers). Returns an unsubscribe. */
  onEvent(listener: (e: TrainEvent) => void): () => void;
  pause(): void;
  resume(): void;
  /** Stops after the current batch; the run becomes `cancelled`, its last checkpoint kept. */
  cancel(): Promise<void>;
  /** Checkpoints and stops; the run becomes `interrupted` (resumable) — for an app that is quitting. */
  interrupt(): Promise<void>;
  /** Settles with the final event: finished, failed or cancelled (or cancelled-as-interrupted). */
  readonly done: Promise<TrainEvent>;
}
