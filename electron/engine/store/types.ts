/**
 * Plain-data shapes of what the experiment store holds, in camelCase, as the rest of the app sees them.
 * Timestamps are ISO 8601 strings (UTC); JSON columns come back parsed. Nothing here knows about SQL.
 */
import type { Emotion } from '../../shared/labels.js';
import type { RunStatus } from '../../shared/runStatus.js';

export type { RunStatus };

/** The train/val/test split of a run, with the speakers of each part (speaker-independent evaluation). */
export interface RunSplit {
  trainSpeakers: string[];
  valSpeakers: string[];
  testSpeakers: string[];
  /** Anything else the splitter wants to keep (file counts, strategy name…). */
  [extra: string]: unknown;
}

export interface RunRecord {
  id: number;
  name: string;
  status: RunStatus;
  /** The trainer's full configuration, as JSON; its type belongs to the trainer. */
  config: unknown;
  seed: number | null;
  split: RunSplit | null;
  datasetId: number | null;
  datasetFingerprint: string | null;
  backend: string | null;
  /** Data-parallel training workers the run used (null: recorded before workers were stored, or not started). */
  workers: number | null;
  appVersion: string;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  notes: string | null;
  tags: string[];
  /** Process that owns the run while queued/running (used to detect crashed runs). */
  pid: number | null;
  host: string | null;
  error: string | null;
  /** The run group (cross-validation) this run is a fold of, and which fold (0-based); null for a lone run. */
  groupId: number | null;
  fold: number | null;
  /**
   * Keys the run's folders in the data directory (see training/artifacts.ts), so runs of different databases sharing
   * one data folder never collide; null for runs recorded before migration 6 (they keep runs/<id>, models/run-<id>).
   */
  /** 'train' (from scratch) or 'tune' (fine-tuning an existing model; migration 7). */
  kind: RunKind;
  /** A tuned run's base model: its folder, and the run that exported it when there is one. */
  parentModel: string | null;
  parentRunId: number | null;
  uuid: string | null;
}

/** One row of the runs list: the run plus what a list needs without loading epochs. */
export interface RunSummary extends RunRecord {
  epochsDone: number;
  /** Best validation accuracy over the epochs (0..1), or null. */
  bestValAccuracy: number | null;
  /** Accuracy of the latest test evaluation (0..1), or null. */
  testAccuracy: number | null;
  /** ended − started; for a running run, elapsed so far; null if it never started. */
  durationMs: number | null;
}

export type RunKind = 'train' | 'tune';

export interface NewRun {
  name: string;
  /** Default 'train'. */
  kind?: RunKind;
  /** For a tune run: the base model's folder and, if it is a run's export, that run. */
  parent?: { model: string; runId: number | null };
  config: unknown;
  seed?: number | null;
  split?: RunSplit | null;
  datasetId?: number | null;
  datasetFingerprint?: string | null;
  backend?: string | null;
  notes?: string | null;
  tags?: string[];
  /** Defaults to `queued`; may also be created directly as `running`. */
  status?: 'queued' | 'running';
  /** Fold `fold` (0-based) of run group `groupId`. */
  group?: { groupId: number; fold: number };
}

/** Fields a caller may change after creation (status has its own method). */
export interface RunPatch {
  name?: string;
  config?: unknown;
  seed?: number | null;
  split?: RunSplit | null;
  datasetId?: number | null;
  datasetFingerprint?: string | null;
  backend?: string | null;
  /** Data-parallel training workers (threads computing gradients); 1 = the single-thread path. */
  workers?: number | null;
  notes?: string | null;
}

export interface ListRunsOptions {
  status?: RunStatus;
  tag?: string;
  /** Only the runs of this group. */
  groupId?: number;
  limit?: number;
  offset?: number;
}

export interface EpochInput {
  epoch: number;
  trainLoss: number | null;
  trainAccuracy: number | null;
  valLoss?: number | null;
  valAccuracy?: number | null;
  learningRate?: number | null;
  durationMs?: number | null;
  samplesPerSec?: number | null;
}

export interface EpochRecord {
  runId: number;
  epoch: number;
  trainLoss: number | null;
  trainAccuracy: number | null;
  valLoss: number | null;
  valAccuracy: number | null;
  learningRate: number | null;
  durationMs: number | null;
  samplesPerSec: number | null;
  createdAt: string;
}

export type EvaluationSplit = 'val' | 'test';

export interface ClassMetrics {
  label: Emotion;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface EvaluationInput {
  runId: number;
  split: EvaluationSplit;
  epoch?: number | null;
  accuracy: number;
  /** Unweighted average recall (mean of per-class recalls). */
  uar: number;
  macroF1: number;
  weightedF1: number;
  /** confusion[true][predicted], EMOTIONS × EMOTIONS counts. */
  confusion: number[][];
  /** One entry per emotion, in EMOTIONS order. */
  perClass: ClassMetrics[];
}

export interface EvaluationRecord extends Required<EvaluationInput> {
  id: number;
  epoch: number | null;
  createdAt: string;
}

export type ModelKind = 'checkpoint' | 'best' | 'export';

export interface ModelInput {
  runId: number;
  kind: ModelKind;
  path: string;
  epoch?: number | null;
  /** Value of the metric that selected this model (e.g. val accuracy), if any. */
  metric?: number | null;
  metricName?: string | null;
}

export interface ModelRecord {
  id: number;
  runId: number;
  kind: ModelKind;
  path: string;
  epoch: number | null;
  metric: number | null;
  metricName: string | null;
  createdAt: string;
}

export interface DatasetFileInput {
  /** Path relative to the dataset root (or absolute for loose files). */
  path: string;
  /** Index into EMOTIONS, or null when the file has no usable label. */
  label: number | null;
  speaker: string | null;
  /** 'speech' | 'song' for RAVDESS; null when the format has no such notion. */
  vocalChannel: string | null;
  contentHash: string | null;
  durationSec: number | null;
  /** Why the file cannot be used (unreadable, too short…), or null when it is fine. */
  problem: string | null;
}

export interface DatasetFileRecord extends DatasetFileInput {
  id: number;
  datasetId: number;
}

export interface DatasetInput {
  name: string;
  /** Absolute folder the dataset was scanned from; identifies the dataset. */
  root: string;
  format: string;
  /** Hash over the files' paths, labels and content hashes: what a run records to be reproducible. */
  fingerprint: string;
  /** When given, replaces the dataset's file list (in the same transaction). */
  files?: DatasetFileInput[];
}

export interface DatasetRecord {
  id: number;
  name: string;
  root: string;
  format: string;
  fingerprint: string;
  fileCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface LiveSessionInput {
  modelId?: number | null;
  runId?: number | null;
  /** The ensemble (ensembles.id) the session listened with (migration 10). */
  ensembleId?: number | null;
  device?: string | null;
  /** Feature / smoothing settings the session ran with. */
  config?: unknown;
}

export interface LiveSessionRecord {
  id: number;
  modelId: number | null;
  runId: number | null;
  /** Null for a session with another model, or once its ensemble's record was deleted. */
  ensembleId: number | null;
  device: string | null;
  config: unknown;
  startedAt: string;
  endedAt: string | null;
  predictionCount: number;
}

export interface LivePredictionInput {
  /** Seconds since the session started (end of the analysed window). */
  t: number;
  /** Probabilities in EMOTIONS order. */
  probs: number[];
  /** Index of the winning emotion. */
  top: number;
  confidence: number;
  rms: number | null;
  voiced: boolean;
  latencyMs: number | null;
}

export interface LivePredictionRecord extends LivePredictionInput {
  id: number;
  sessionId: number;
}

/** Lifecycle of a run group: like a run's, without `queued`; every status but `completed` may be resumed. */
export const GROUP_STATUSES = ['running', 'completed', 'failed', 'cancelled', 'interrupted'] as const;
export type GroupStatus = (typeof GROUP_STATUSES)[number];

export type GroupKind = 'cv';

export interface FoldMetrics {
  accuracy: number;
  uar: number;
  macroF1: number;
}

/** What a cross-validation reports over its folds: each fold's test metrics, their mean ± sd, and the pooled matrix. */
export interface CvSummary {
  folds: number;
  /** Per fold, in fold order: the fold's run and its test metrics. */
  perFold: Array<FoldMetrics & { fold: number; runId: number; testFiles: number }>;
  mean: FoldMetrics;
  /** Sample standard deviation over folds (n − 1). */
  sd: FoldMetrics;
  /** From the sum of the folds' test confusion matrices: every test file once. */
  pooled: FoldMetrics & { confusion: number[][] };
}

export interface RunGroupRecord {
  id: number;
  kind: GroupKind;
  name: string;
  status: GroupStatus;
  /** The group's configuration, as JSON (cross-validation: the training options every fold shares, and its folds). */
  config: unknown;
  folds: number;
  /** Set when every fold has finished. */
  summary: CvSummary | null;
  appVersion: string;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  pid: number | null;
  host: string | null;
  error: string | null;
}

export interface NewRunGroup {
  kind: GroupKind;
  name: string;
  config: unknown;
  folds: number;
}

/** Lifecycle of a trial of a sweep: waiting for a worker, training, or done one way or another. */
export const TRIAL_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type TrialStatus = (typeof TRIAL_STATUSES)[number];

/** A hyperparameter sweep: recipes (from a grid or a seeded random draw) × folds, each pair a trial run as a run. */
export interface SweepRecord {
  id: number;
  name: string;
  /** Same lifecycle as a run group's. */
  status: GroupStatus;
  /** What was expanded: `{grid}` or `{random, space, seed}`, as given. */
  space: unknown;
  /** The options every trial starts from (the sweep's own parameters override them), the dataset and the split. */
  config: unknown;
  folds: number;
  /** The queue the trials went to (its URL without password), or null when they ran in this process. */
  queue: string | null;
  appVersion: string;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  pid: number | null;
  host: string | null;
  error: string | null;
  /** When someone asked it to stop (`ser sweep cancel`, the app) while it ran; cleared when it runs again. */
  cancelRequestedAt: string | null;
}

export interface NewTrial {
  /** Index of the parameter combination (trials of one recipe share it, one per fold). */
  recipe: number;
  params: Record<string, unknown>;
  fold: number;
}

export interface TrialRecord extends NewTrial {
  id: number;
  sweepId: number;
  status: TrialStatus;
  /** Who trains (or trained) it: `host:pid` of a `ser worker`, or `local`. */
  worker: string | null;
  runId: number | null;
  /** Times the trial was started (more than 1 after a worker died). */
  attempts: number;
  error: string | null;
}

export interface NewSweep {
  name: string;
  space: unknown;
  config: unknown;
  folds: number;
  queue?: string | null;
  trials: NewTrial[];
}

export interface TrialPatch {
  status?: TrialStatus;
  worker?: string | null;
  runId?: number | null;
  attempts?: number;
  error?: string | null;
}

/** A member of an ensemble: the folder it was read from and, when it was a run's export, that run. */
export interface EnsembleMember {
  /** Null for a folder that is not a run's export of this database (e.g. the built-in model). */
  runId: number | null;
  dir: string;
}

/** An ensemble of exported models (`ser ensemble`, the app's "Combine into an ensemble"): a model folder of its own. */
export interface EnsembleRecord {
  id: number;
  name: string;
  /** The ensemble's model folder (model.json, weights.bin, metadata.json), self-contained. */
  path: string;
  /** In the order they were combined (member 1's scaler is the ensemble's). */
  members: EnsembleMember[];
  appVersion: string;
  createdAt: string;
}

export interface NewEnsemble {
  name: string;
  path: string;
  members: EnsembleMember[];
}
