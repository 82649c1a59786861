/**
 * Plain-data shapes the API returns. Most are the store's own records (already plain, camelCase); the rest are
 * views the services assemble for a screen. Type-only imports: nothing here exists at run time.
 */
import type { Emotion } from '../shared/labels.js';
import type { InputDevice } from '../shared/captureDevice.js';
import type {
  CvSummary,
  DatasetFileRecord,
  DatasetRecord,
  EpochRecord,
  EvaluationRecord,
  GroupStatus,
  ModelRecord,
  RunGroupRecord,
  RunRecord,
  RunSummary,
  TrialStatus,
} from '../engine/store/types.js';
import type { ShownTrialStatus, SweepDetail, SweepRecipeSummary, SweepStatus, SweepTrialRow } from '../engine/training/sweepResults.js';
import type { TrainEvent } from '../engine/training/types.js';
import type { BeforeAfter, TuneEvent } from '../engine/training/tuneTypes.js';
import type { TakeFlag } from '../engine/audio/takeQuality.js';
import type { ModelCard } from '../engine/training/builtinModel.js';
import type { EpochProjection, PaperRow, PaperTable, PaperTableRow, SplitType } from '../engine/results/paperTable.js';
import type { z } from 'zod';
import type { eventSchemas } from './schemas.js';

export type { CvSummary, DatasetFileRecord, DatasetRecord, EpochRecord, EvaluationRecord, GroupStatus, ModelCard, ModelRecord, RunGroupRecord, RunRecord, RunSummary, TrainEvent };
export type { BeforeAfter, TakeFlag, TuneEvent };
export type { EpochProjection, PaperRow, PaperTable, PaperTableRow, SplitType };
export type { ShownTrialStatus, SweepDetail, SweepRecipeSummary, SweepStatus, SweepTrialRow, TrialStatus };

/** The one error shape that crosses every boundary (codes listed once, in the bottom layer). */
export type { ApiErrorCode, ApiErrorInfo } from '../shared/errors.js';

/** One row of the experiments table: the store's summary plus what the table shows beside it. */
export interface RunRow extends RunSummary {
  /** UAR of the latest test evaluation (0..1), or null. */
  uar: number | null;
  macroF1: number | null;
  datasetName: string | null;
  /** 'random' | 'speaker' | 'all', from the run's config. */
  splitKind: string | null;
  /** Epochs the run was configured for. */
  epochsPlanned: number | null;
}

/**
 * A cross-validation group as the experiments table shows it: one row (mean ± sd over folds) that expands to its
 * fold runs, which `listRuns` returns like any run (with `groupId` and `fold` set).
 */
export interface RunGroupRow extends Omit<RunGroupRecord, 'config' | 'pid' | 'host'> {
  /** The current run of each fold that has one, in fold order. */
  runIds: number[];
  foldsCompleted: number;
  datasetName: string | null;
  /** Epochs each fold is configured for. */
  epochsPlanned: number | null;
  /** Epochs done, summed over the folds. */
  epochsDone: number;
  /** Training time summed over the folds. */
  durationMs: number | null;
  backend: string | null;
}

/** A run with everything its monitor and results screens need. */
export interface RunDetail {
  run: RunRow;
  epochs: EpochRecord[];
  evaluations: EvaluationRecord[];
  models: ModelRecord[];
  dataset: DatasetRecord | null;
  /** True when this process is training it now (pause/cancel apply). */
  active: boolean;
  paused: boolean;
}

/** A test-set clip the model got wrong, playable through the dataset audio endpoint. */
export interface Misclassified {
  datasetId: number;
  fileId: number;
  path: string;
  speaker: string | null;
  truth: Emotion;
  predicted: Emotion;
  confidence: number;
}

export interface RunResults extends RunDetail {
  test: EvaluationRecord | null;
  /** Latest validation evaluation (per-epoch ones are in `evaluations`). */
  val: EvaluationRecord | null;
  /** null when the run stored no per-clip predictions (then the list cannot be shown). */
  misclassified: Misclassified[] | null;
}

export interface ActiveTraining {
  runId: number;
  paused: boolean;
  started: Extract<TrainEvent, { event: 'started' }> | null;
  lastBatch: Extract<TrainEvent, { event: 'batch' }> | null;
  lastEpoch: Extract<TrainEvent, { event: 'epoch' }> | null;
}

export interface DatasetOverview {
  dataset: DatasetRecord;
  usable: number;
  byEmotion: Record<Emotion, number>;
  bySpeaker: Record<string, number>;
  problems: Array<{ fileId: number; file: string; reason: string }>;
}

export interface ScanResultDto extends DatasetOverview {
  durationMs: number;
}

/** Waveform envelope and mel spectrogram of one clip, sized for drawing. */
export interface ClipView {
  fileId: number;
  path: string;
  label: Emotion | null;
  speaker: string | null;
  sampleRate: number;
  durationSec: number;
  /** Envelope: min and max per column. */
  waveMin: number[];
  waveMax: number[];
  /** Mel dB quantised to 0..255 (0 = −80 dB, 255 = 0 dB), band-major, base64; `bands` × `frames`. */
  mel: { bands: number; frames: number; base64: string };
}

export interface BackendInfo {
  name: string;
  available: boolean;
  reason?: string;
  selected?: boolean;
}

/** An input device as capture lists it (`ser devices`). */
export type DeviceInfo = InputDevice;

/** What a model of the picker is: the shipped one, an ensemble of exported models, or a run's export. */
export type ModelChoiceKind = 'built-in' | 'ensemble' | 'run';

/** A model the app can classify with, as the Live view's picker lists it. */
export interface ModelChoice {
  kind: ModelChoiceKind;
  /** The run that exported it; null for the built-in model and ensembles. */
  runId: number | null;
  /** The recorded ensemble (`ser ensemble`, makeEnsemble); null for the others. */
  ensembleId: number | null;
  /** What a picker shows: "Built-in — RAVDESS CNN-LSTM", `ensemble #3 "seeds" (3 models)`, or "#3 my run". */
  label: string;
  /** The model folder (model.json, weights.bin, metadata.json). */
  dir: string;
  /** The run's test figures and split kind ('random' | 'speaker' | 'all'; an 'all' run has no test figures); null for the built-in model (see card) and ensembles. */
  testAccuracy: number | null;
  uar: number | null;
  splitKind: string | null;
  /** The built-in model's card from its metadata; null for runs, or when the metadata has no valid card. */
  card: ModelCard | null;
  /** Changes when the model does (the Live view tells about a new built-in model once per version). */
  version: string;
}

export interface ModelList {
  /**
   * The built-in model first (when installed), then ensembles whose folder is still there, newest first, then
   * finished runs with an exported model, newest first.
   */
  models: ModelChoice[];
  /** Why the built-in model is not listed (one line naming where it was looked for), or null. */
  builtInMissing: string | null;
}

/** The model a live session listens with. */
export interface LiveModelInUse {
  kind: ModelChoiceKind;
  runId: number | null;
  ensembleId: number | null;
  label: string;
}

/** After deleteEnsemble: whether a record went, and the folder removed with it (only one the app made, in its data folder). */
export interface EnsembleDeleteResult {
  deleted: boolean;
  removedFolder: string | null;
}

export interface LiveStartResult {
  device: string;
  /** False when no model/classifier is available: the level meter runs alone. */
  classifier: boolean;
  /** The model listening (null with no classifier); `reason` says it in words. */
  model: LiveModelInUse | null;
  reason?: string;
}

/** The live session "Keep this session" applies to (the current one, or the last one after it stopped). */
export interface LiveKeepResult {
  kept: boolean;
  /** Its id in the store while kept, else null. */
  sessionId: number | null;
  /** Predictions stored (kept) or held so far (not kept). */
  predictions: number;
}

/** A saved live session as the "Saved sessions" list shows it. */
export interface LiveSessionRow {
  id: number;
  runId: number | null;
  runName: string | null;
  /** True when it listened with the built-in model. */
  builtIn: boolean;
  /** The ensemble it listened with and its name (null for other models, or once the ensemble was deleted). */
  ensembleId: number | null;
  ensembleName: string | null;
  device: string | null;
  startedAt: string;
  endedAt: string | null;
  /** Span of its predictions (first to last window), s. */
  durationSec: number | null;
  predictionCount: number;
  /** The most frequent top emotion over voiced windows, or null when nothing was voiced. */
  dominant: Emotion | null;
  /** True for the session listening now. */
  current: boolean;
}

export interface LiveSessionDetail {
  session: LiveSessionRow;
  /** By time; `top` is 'silence' for windows the gate found unvoiced. */
  predictions: Array<{ t: number; top: Emotion | 'silence'; confidence: number; probs: number[] }>;
}

export interface RecordingResult {
  path: string;
  label: Emotion;
  seconds: number;
  rms: number;
  peak: number;
  /** The speaker named in the file name (`<timestamp>_<speaker>.wav`, as `ser record --label --speaker` writes), or null. */
  speaker: string | null;
  /** The "my recordings" dataset folder (scan it to train on the recordings). */
  datasetRoot: string;
}

export interface AboutInfo {
  name: string;
  version: string;
  dbPath: string;
  dataDir: string;
  recordingsDir: string;
  devDataset: string | null;
  platform: string;
  versions: Record<string, string>;
  transport: 'ipc' | 'http';
  /** True when this app can install the `ser` command (the desktop app; not a browser tab). */
  canInstallCli: boolean;
}

/** Where the `ser` launcher was written, and what the user must still do for it to be on PATH. */
export interface CliInstallResult {
  path: string;
  onPath: boolean;
  hint?: string;
}

/** One prompt of a guided recording session ("Tune to my voice"). */
export interface VoicePrompt {
  index: number;
  emotion: Emotion;
  /** 1-based take of this emotion, of `takes`. */
  take: number;
  takes: number;
  statement: string;
  /** "happy, take 3 of 4: say “Kids are talking by the door”, sounding happy". */
  text: string;
}

/** A recorded take: where it is (speaker, emotion, file name), what the quality checks found, its waveform. */
export interface VoiceTake {
  speaker: string;
  emotion: Emotion;
  /** File name inside `<folder>/<emotion>/`; the audio is at `takeAudioPath(speaker, emotion, name)`. */
  name: string;
  seconds: number;
  voicedSeconds: number;
  peak: number;
  rms: number;
  clippedSamples: number;
  flags: TakeFlag[];
  /** One line per flag, with the measured value and the threshold. */
  reasons: string[];
  /** Waveform envelope for drawing: min and max per column (400 columns). */
  waveMin: number[];
  waveMax: number[];
}

/** A speaker's session: the plan, and the takes their folder holds now (oldest first; no waveform). */
export interface VoiceSessionView {
  speaker: string;
  /** `<data folder>/recordings/voice-<speaker>`: a folder-per-label dataset (`ser tune --data` reads it). */
  folder: string;
  plan: VoicePrompt[];
  takes: Array<Omit<VoiceTake, 'waveMin' | 'waveMax'>>;
}

/** The tuning running in this app (if any) and the last one that ended. */
export interface TuneStatus {
  active: { runId: number | null; speaker: string; last: TuneEvent | null } | null;
  last: { speaker: string; event: TuneEvent } | null;
}

/** A sweep as the Sweeps view lists it (`ser sweep list --json`). */
export interface SweepRow {
  id: number;
  name: string;
  status: SweepStatus;
  folds: number;
  /** The work queue its trials went to (no password), or null when they trained in the sweep's own process. */
  queue: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  error: string | null;
  trials: number;
  /** Trials by status, as shown (a trial whose run is interrupted counts as `interrupted`). */
  counts: Record<ShownTrialStatus, number>;
  /** The recipe with the highest mean test UAR so far, or null. */
  best: SweepRecipeSummary | null;
}

/** After a cancel: `cancelling` while the process driving the sweep stops its trials, else `cancelled`. */
export interface SweepCancelResult {
  id: number;
  status: SweepStatus;
}

/** What each method resolves with. */
export interface MethodOutputs {
  listRuns: RunRow[];
  listGroups: RunGroupRow[];
  getRun: RunDetail;
  deleteRun: { deleted: boolean };
  tagRun: RunRecord;
  noteRun: RunRecord;
  renameRun: RunRecord;
  compareRuns: RunDetail[];
  /** The paper's epochs / training time / accuracy table for these runs, split type in every row. */
  paperTable: PaperTable;
  getResults: RunResults;
  startTraining: { runId: number };
  pauseTraining: { ok: true };
  resumeTraining: { ok: true };
  cancelTraining: { ok: true };
  continueRun: { runId: number };
  trainingStatus: ActiveTraining[];
  scanDataset: ScanResultDto;
  listDatasets: DatasetRecord[];
  getDataset: DatasetOverview;
  getDatasetFiles: DatasetFileRecord[];
  getClipView: ClipView;
  listBackends: BackendInfo[];
  listDevices: DeviceInfo[];
  listModels: ModelList;
  /** The new ensemble, as the Live picker lists it. */
  makeEnsemble: ModelChoice;
  deleteEnsemble: EnsembleDeleteResult;
  startLive: LiveStartResult;
  stopLive: { ok: true };
  record: RecordingResult;
  keepLiveSession: LiveKeepResult;
  listLiveSessions: LiveSessionRow[];
  getLiveSession: LiveSessionDetail;
  deleteLiveSession: { deleted: boolean };
  about: AboutInfo;
  installCli: CliInstallResult;
  voiceSession: VoiceSessionView;
  recordTake: VoiceTake;
  deleteTake: { deleted: boolean };
  startTune: { runId: number };
  tuneStatus: TuneStatus;
  listSweeps: SweepRow[];
  /** The shape `ser sweep show --json` prints. */
  getSweep: SweepDetail;
  cancelSweep: SweepCancelResult;
}

export type ApiEvents = { [K in keyof typeof eventSchemas]: z.infer<(typeof eventSchemas)[K]> };
