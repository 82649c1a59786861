/**
 * Fine-tuning's contract (`ser tune`, and later the app's "Tune to my voice"): options in, events out. Progress
 * events are the training ones (preparing, started, batch, epoch) so the same printers and listeners serve both;
 * only the final event differs: it carries the before/after comparison on the held-out takes.
 */
import type { BackendName } from '../../../native/tf/backends.js';
import type { FreezeMode } from './freeze.js';
import { defaultAugment, type AugmentConfig, type TrainEvent } from './types.js';

export interface TuneOptions {
  /** The base model: `--model` as given (folder, run id or built-in), resolved by the session. */
  model?: string;
  /** The user's takes: any dataset the scanner reads (folder-per-label is what recording sessions write). */
  data: string;
  name?: string;
  /** Takes per emotion kept aside for the before/after evaluation (default 1). */
  holdout: number;
  epochs: number;
  freeze: FreezeMode;
  learningRate: number;
  batchSize: number;
  /** Noisy copies of each tuning take, as in training (reference: 2 copies at 15–30 dB SNR). */
  augment: AugmentConfig;
  seed: number;
  backend?: BackendName;
}

export const defaultTuneOptions: Readonly<Omit<TuneOptions, 'data'>> = Object.freeze({
  holdout: 1,
  epochs: 10,
  freeze: 'cnn',
  // Training's SGD rate: by default only the head trains, in a few dozen steps, and must actually move. Measured on
  // the built-in model (docs/results.md, "Fine-tuning, before and after"): no setting tried clearly helps a new
  // RAVDESS actor; this one helps on a new microphone (57 → 73 % on actor 04 through a telephone band).
  learningRate: 0.01,
  batchSize: 16,
  augment: defaultAugment,
  seed: 1,
});

export interface BeforeAfter {
  accuracy: number;
  uar: number;
  /** confusion[true][predicted] counts over the held-out takes. */
  confusion: number[][];
}

export interface TuneFinishedEvent {
  event: 'finished';
  runId: number;
  modelDir: string;
  before: BeforeAfter;
  after: BeforeAfter;
  heldOut: number;
  durationMs: number;
}

export type TuneEvent = Extract<TrainEvent, { event: 'preparing' | 'started' | 'batch' | 'epoch' | 'failed' | 'cancelled' }> | TuneFinishedEvent;

export interface TuningHandle {
  readonly runId: Promise<number>;
  onEvent(listener: (e: TuneEvent) => void): () => void;
  /** Stops the worker; the run becomes `cancelled` and nothing is exported. */
  cancel(): Promise<void>;
  readonly done: Promise<TuneEvent>;
}
