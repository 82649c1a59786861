/** Messages between a tuning session (caller's thread) and the tuning worker. */
import type { Metrics } from './types.js';
import type { PlannedSample } from './plan.js';
import type { TuneOptions } from './tuneTypes.js';

export interface TuneWorkerInit {
  runId: number;
  options: TuneOptions;
  /** The resolved base model folder. */
  baseDir: string;
  /** The base's run, when it is a run's export (recorded in the tuned model's metadata). */
  baseRunId: number | null;
  train: PlannedSample[];
  heldOut: PlannedSample[];
  dataDir: string;
  modelDir: string;
  appVersion: string;
  datasetFingerprint: string;
}

export type TuneWorkerMessage =
  | { type: 'backend'; name: string }
  | { type: 'ready'; trainSize: number; heldOut: number; batchesPerEpoch: number; frozen: string[] }
  | { type: 'batch'; epoch: number; batch: number; batches: number; loss: number; accuracy: number; samplesPerSec: number; etaMs: number }
  | { type: 'epoch'; epoch: number; epochs: number; trainLoss: number; trainAccuracy: number; lr: number; durationMs: number; samplesPerSec: number; etaMs: number }
  | { type: 'finished'; before: Metrics; after: Metrics; epochs: number; durationMs: number; modelDir: string }
  | { type: 'failed'; error: string };
