/** Messages between the training session (caller's thread) and the training worker. */
import type { FeatureConfig } from '../audio/features.js';
import type { ScalerJson } from '../audio/scaler.js';
import type { PlannedSample } from './plan.js';
import type { EpochTiming, Metrics, TrainOptions } from './types.js';

export interface WorkerInit {
  runId: number;
  options: TrainOptions;
  samples: { train: PlannedSample[]; val: PlannedSample[]; test: PlannedSample[] };
  dataDir: string;
  featureConfig: FeatureConfig;
  /** `<dataDir>/runs/<id>-<uuid>` (artifacts.ts) — checkpoint/ and best/ live here. */
  runDir: string;
  /** Where the finished model is exported. */
  modelDir: string;
  resume: boolean;
  appVersion: string;
  datasetFingerprint: string;
}

export type ControlMessage = { type: 'pause' } | { type: 'resume' } | { type: 'cancel' } | { type: 'interrupt' };

export interface Prediction {
  path: string;
  label: number;
  predicted: number;
  probs: number[];
}

export type WorkerMessage =
  | { type: 'backend'; name: string; skipped: Array<{ name: string; reason: string }>; workers: number }
  | { type: 'ready'; startEpoch: number; batchesPerEpoch: number; trainSize: number; valSize: number; testSize: number; resumed: boolean; scaler: ScalerJson | null }
  | { type: 'batch'; epoch: number; batch: number; batches: number; loss: number; accuracy: number; samplesPerSec: number; etaMs: number }
  | {
      type: 'epoch';
      epoch: number;
      epochs: number;
      trainLoss: number;
      trainAccuracy: number;
      valLoss: number | null;
      valMetrics: Metrics | null;
      lr: number;
      durationMs: number;
      samplesPerSec: number;
      etaMs: number;
      tensors: number;
      timing: EpochTiming;
    }
  | { type: 'checkpoint'; epoch: number; path: string; best: boolean; metric: number | null; metricName: string | null }
  | { type: 'paused'; epoch: number }
  | { type: 'resumed'; epoch: number }
  /** `test` and `testLoss` are null when the split has no test part (`all`). */
  | { type: 'finished'; test: Metrics | null; testLoss: number | null; predictions: Prediction[]; epochs: number; bestEpoch: number | null; durationMs: number; modelDir: string }
  | { type: 'stopped'; reason: 'cancel' | 'interrupt'; epoch: number }
  | { type: 'failed'; error: string };
