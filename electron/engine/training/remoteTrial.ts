/**
 * A sweep's trial trained by another process, maybe on another machine: a training session cut in two across a work
 * queue. The worker's half (`trainRemoteTrial`) does what `startTraining` does on its own thread — finds the data,
 * splits, plans, computes features, starts the training worker — and hands on every message that worker posts. The
 * coordinator's half (`RemoteTrialRecorder`) records a queued run for the trial and feeds the messages it receives
 * into the same `trainingWatch` a local run's messages go through, so the run's epochs, evaluations and model land in
 * the coordinator's database exactly as a local run's would (the store keeps one writer: the coordinator).
 *
 * A trial may be started more than once (its worker died; the queue gave it to another). Each start announces itself
 * with a `hello` carrying its attempt's token; the recorder follows the newest start and ignores anything an older
 * one still sends. A start that resumes from a checkpoint (reachable when the workers share a data folder) or starts
 * over reports the epoch it begins at, and the recorder forgets what the run had recorded from there, so every epoch
 * is recorded once.
 *
 * The exported model comes back as bytes in the trial's result (a few hundred KB for the paper's model; capped), so
 * a worker needs no shared file system with the coordinator; checkpoint paths stay on the worker's machine and are
 * shown as events but not stored.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { FeatureCache } from '../dataset/featureCache.js';
import { scanDataset, statCachePath, type ScanResult } from '../dataset/scan.js';
import { saveScan } from '../dataset/saveScan.js';
import { SerError } from '../../shared/errors.js';
import type { Store } from '../store/index.js';
import { appVersion } from '../version.js';
import { startWorker } from '../workers/spawn.js';
import { runArtifactDirs } from './artifacts.js';
import { checkpointNextEpoch } from './checkpoint.js';
import type { WorkerInit, WorkerMessage } from './protocol.js';
import { prepareData, trainingWatch, type StopKind } from './session.js';
import { ensureFeatures, runNameStamp, superviseWorker, type WorkerWatch } from './supervisor.js';
import type { TrainEvent, TrainOptions } from './types.js';

/** What a worker needs to train a trial (the queue's job, once validated). */
export interface RemoteTrialSpec {
  /** The coordinator's run: its id and UUID name the trial's folders on the worker, as a local run's. */
  runId: number;
  runUuid: string;
  /** The data, found on the worker by its content fingerprint (`path` is where the coordinator has it). */
  dataset: { name: string; fingerprint: string; path: string };
  /** `data` is replaced by the worker's copy. */
  options: TrainOptions;
  /**
   * Set when a resumed sweep queues an interrupted trial again: the epochs its run has recorded. A checkpoint past
   * them was written while nobody recorded (the coordinator was gone), so the trial then starts over instead.
   */
  recordedEpochs?: number;
}

/** The finished message and the exported model's files (name → base64). */
export interface RemoteTrialResult {
  finished: Extract<WorkerMessage, { type: 'finished' }>;
  model: Record<string, string>;
}

/** A trial's progress as it crosses the queue: who sends it, which start of the trial, and the message. */
export type TrialMessage = { type: 'hello'; worker: string; attempt: number } | WorkerMessage;
export interface TrialProgress {
  token: string;
  seq: number;
  message: TrialMessage;
}

/** Exported models larger than this are refused rather than pushed through the queue. */
export const MAX_MODEL_BYTES = 64 * 1024 * 1024;

/**
 * Where this machine has the trial's dataset. With `dataRoot` (a worker's --data-root), only inside it: `<dataRoot>/<name>`,
 * then any folder directly under it; without, at the coordinator's path (a worker on the coordinator's machine, or a
 * shared mount at the same place). The first folder whose content fingerprint matches wins; none is an error that
 * says what was looked at. A queue cannot point a worker given --data-root at any other folder.
 */
export async function findDataset(spec: RemoteTrialSpec['dataset'], opts: { dataDir: string; dataRoot?: string; includeSong?: boolean }): Promise<{ path: string; scan: ScanResult }> {
  const candidates: string[] = [];
  if (opts.dataRoot) {
    candidates.push(join(opts.dataRoot, basename(spec.name)));
    if (existsSync(opts.dataRoot)) for (const d of readdirSync(opts.dataRoot).sort()) candidates.push(join(opts.dataRoot, d));
  } else candidates.push(spec.path);
  const seen = new Set<string>();
  const mismatched: string[] = [];
  for (const c of candidates) {
    const path = resolve(c);
    if (seen.has(path) || !existsSync(path) || !statSync(path).isDirectory()) continue;
    seen.add(path);
    const scan = await scanDataset(path, { includeSong: Boolean(opts.includeSong), statCacheFile: statCachePath(opts.dataDir, path) });
    if (scan.summary.fingerprint === spec.fingerprint) return { path, scan };
    mismatched.push(path);
  }
  throw new SerError(
    'not-found',
    `dataset '${spec.name}' (fingerprint ${spec.fingerprint.slice(0, 12)}…) is not on this machine: ${mismatched.length ? `${mismatched.join(', ')} hold(s) other content` : `nothing at ${opts.dataRoot ? join(opts.dataRoot, basename(spec.name)) : spec.path}`}; copy it (or mount it) under a folder and start the worker with --data-root <folder>`,
  );
}

function readModel(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  let bytes = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (!statSync(p).isFile()) continue;
    const buf = readFileSync(p);
    bytes += buf.length;
    if (bytes > MAX_MODEL_BYTES) throw new SerError('unsupported', `the exported model in ${dir} is larger than ${MAX_MODEL_BYTES / 1024 / 1024} MB; too large to send back through the queue`);
    files[name] = buf.toString('base64');
  }
  return files;
}

/**
 * Trains a trial here: finds the data by fingerprint, prepares it, trains on a worker thread (resuming from the
 * trial's checkpoint when this machine's data folder has it) and returns the finished message with the model's
 * bytes. Every message of the training worker goes to `onMessage`; `signal` cancels (rejects with code 'cancelled').
 */
export async function trainRemoteTrial(
  spec: RemoteTrialSpec,
  env: { dataDir: string; dataRoot?: string; extractWorkers?: number },
  hooks: { onMessage(m: WorkerMessage): void; signal?: AbortSignal },
): Promise<RemoteTrialResult> {
  const found = await findDataset(spec.dataset, { dataDir: env.dataDir, ...(env.dataRoot ? { dataRoot: env.dataRoot } : {}), ...(spec.options.includeSong ? { includeSong: true } : {}) });
  const opts: TrainOptions = { ...spec.options, data: found.path };
  const data = await prepareData(opts, { dbPath: '', dataDir: env.dataDir }, () => undefined, () => spec.runId);
  if (data.scan.summary.fingerprint !== spec.dataset.fingerprint) throw new SerError('not-found', `dataset in ${found.path} changed while it was read`);
  await ensureFeatures(new FeatureCache(env.dataDir, data.featureConfig), [...data.plan.train, ...data.plan.val, ...data.plan.test], {
    ...(env.extractWorkers !== undefined ? { workers: env.extractWorkers } : {}),
    onProgress: () => undefined,
  });
  if (hooks.signal?.aborted) throw new SerError('cancelled', 'the trial was cancelled');
  const dirs = runArtifactDirs(env.dataDir, { id: spec.runId, uuid: spec.runUuid });
  const next = checkpointNextEpoch(join(dirs.runDir, 'checkpoint'));
  const init: WorkerInit = {
    runId: spec.runId,
    options: opts,
    samples: data.plan,
    dataDir: env.dataDir,
    featureConfig: data.featureConfig,
    ...dirs,
    // Another worker's checkpoint of this trial, when this machine can see it (a shared data folder), unless it is
    // ahead of what the coordinator recorded (every epoch is recorded once: none may be missing either).
    resume: next !== null && (spec.recordedEpochs === undefined || next <= spec.recordedEpochs),
    appVersion,
    datasetFingerprint: spec.dataset.fingerprint,
  };
  const worker = startWorker(import.meta.url, 'trainWorker', { workerData: init });
  const onAbort = () => worker.postMessage({ type: 'cancel' });
  hooks.signal?.addEventListener('abort', onAbort, { once: true });
  type End = { ok: true; finished: RemoteTrialResult['finished'] } | { ok: false; error: SerError };
  const watch: WorkerWatch<WorkerMessage, End> = {
    emit: () => undefined,
    handle(m) {
      if (m.type === 'finished') return { ok: true, finished: m };
      if (m.type === 'stopped') return { ok: false, error: new SerError('cancelled', 'the trial was cancelled') };
      if (m.type === 'failed') return { ok: false, error: new SerError('internal', m.error) };
      hooks.onMessage(m);
      return undefined;
    },
    failed: (error) => ({ ok: false, error: new SerError('internal', error) }),
    exited: (code) => ({ ok: false, error: new SerError('internal', `training worker exited unexpectedly (code ${code})`) }),
  };
  try {
    const end = await superviseWorker(worker, watch, 'training worker').done;
    if (!end.ok) throw end.error;
    return { finished: end.finished, model: readModel(end.finished.modelDir) };
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
  }
}

/** The coordinator's record of a trial before any worker has it: the dataset saved, the run created `queued`. */
export async function recordQueuedTrial(store: Store, options: TrainOptions, dataDir: string): Promise<{ runId: number; runUuid: string; dataset: RemoteTrialSpec['dataset'] }> {
  const data = await prepareData(options, { dbPath: store.path, dataDir }, () => undefined, () => null);
  const dataset = saveScan(store, data.scan);
  const run = store.runs.create({
    name: options.name ?? `${dataset.name} ${options.split.kind} ${runNameStamp()}`,
    config: options,
    seed: options.seed,
    split: data.runSplit,
    datasetId: dataset.id,
    datasetFingerprint: data.scan.summary.fingerprint,
    status: 'queued',
  });
  return { runId: run.id, runUuid: run.uuid!, dataset: { name: basename(resolve(options.data)), fingerprint: data.scan.summary.fingerprint, path: resolve(options.data) } };
}

/**
 * A trial's interrupted run queued again (a resumed sweep): same run, same UUID, so a worker that sees its checkpoint
 * (a shared data folder) continues from it. The data must still be what the run was trained on.
 */
export async function requeueTrial(
  store: Store,
  runId: number,
  options: TrainOptions,
  dataDir: string,
): Promise<{ runId: number; runUuid: string; dataset: RemoteTrialSpec['dataset']; recordedEpochs: number }> {
  const run = store.runs.require(runId);
  if (run.status !== 'interrupted') throw new SerError('bad-input', `run ${runId} is ${run.status}; only an interrupted trial run is queued again`);
  const data = await prepareData(options, { dbPath: store.path, dataDir }, () => undefined, () => runId);
  const fingerprint = data.scan.summary.fingerprint;
  if (run.datasetFingerprint && run.datasetFingerprint !== fingerprint) throw new SerError('bad-input', `the dataset in ${options.data} changed since run ${runId} started (fingerprint differs)`);
  const uuid = run.uuid ?? store.runs.assignUuid(runId).uuid!;
  store.runs.setStatus(runId, 'queued');
  const recordedEpochs = store.runs.epochs(runId).length;
  return { runId, runUuid: uuid, dataset: { name: basename(resolve(options.data)), fingerprint, path: resolve(options.data) }, recordedEpochs };
}

/**
 * The coordinator's half: turns a trial's progress (from any start of it) into the run's records and events, and
 * its result into the run's test evaluation and exported model (written into this machine's data folder).
 */
export class RemoteTrialRecorder {
  #token: string | null = null;
  #watch: WorkerWatch<WorkerMessage, TrainEvent> | undefined;
  #ended = false;

  constructor(
    private readonly store: Store,
    private readonly runId: number,
    private readonly options: TrainOptions,
    private readonly dataDir: string,
    private readonly emit: (e: TrainEvent) => void,
    private readonly onStart: (worker: string, attempt: number) => void,
    private readonly stopKind: () => StopKind | undefined,
  ) {}

  #newWatch(): WorkerWatch<WorkerMessage, TrainEvent> {
    return trainingWatch(this.store, this.runId, this.options, this.emit, this.stopKind);
  }

  /** One progress report from the queue. */
  progress(p: TrialProgress): void {
    if (this.#ended) return;
    const m = p.message;
    if (m.type === 'hello') {
      if (p.token === this.#token) return;
      this.#token = p.token;
      this.#watch = this.#newWatch();
      const status = this.store.runs.require(this.runId).status;
      if (status === 'queued' || status === 'running') this.store.runs.setStatus(this.runId, 'running');
      this.onStart(m.worker, m.attempt);
      return;
    }
    if (p.token !== this.#token || !this.#watch) return; // an older start of the trial, still talking
    switch (m.type) {
      case 'ready':
        this.store.runs.dropEpochsFrom(this.runId, m.startEpoch);
        break;
      case 'checkpoint':
        // The path is on the worker's machine: shown, not stored.
        this.emit({ event: 'checkpoint', runId: this.runId, epoch: m.epoch, path: m.path, best: m.best });
        return;
      case 'finished':
      case 'stopped':
      case 'failed':
        return; // the end comes with the job's result, once
    }
    this.#watch.handle(m);
  }

  /** The trial's result: the model written here, then recorded through the watch (test evaluation, export, completed). */
  finished(result: RemoteTrialResult): TrainEvent {
    if (this.#ended) throw new SerError('internal', `trial run ${this.runId} ended twice`);
    this.#ended = true;
    const run = this.store.runs.require(this.runId);
    const { modelDir } = runArtifactDirs(this.dataDir, run);
    mkdirSync(modelDir, { recursive: true });
    for (const [name, b64] of Object.entries(result.model)) {
      if (basename(name) !== name || name.startsWith('.')) throw new SerError('corrupt', `the trial's model holds a file named '${name}'`);
      writeFileSync(join(modelDir, name), Buffer.from(b64, 'base64'));
    }
    if (run.status === 'queued') this.store.runs.setStatus(this.runId, 'running');
    const watch = this.#watch ?? this.#newWatch();
    const final = watch.handle({ ...result.finished, modelDir });
    if (!final) throw new SerError('internal', 'the finished message did not end the run');
    this.emit(final);
    return final;
  }

  /** The trial ended without a result: cancelled, or failed with `error`. */
  ended(how: { cancelled: true } | { cancelled: false; error: string }): TrainEvent {
    this.#ended = true;
    const run = this.store.runs.require(this.runId);
    const final: TrainEvent = how.cancelled ? { event: 'cancelled', runId: this.runId, epoch: this.store.runs.epochs(this.runId).length } : { event: 'failed', runId: this.runId, error: how.error };
    if (run.status === 'queued' || run.status === 'running') this.store.runs.setStatus(this.runId, how.cancelled ? 'cancelled' : 'failed', how.cancelled ? {} : { error: how.error });
    this.emit(final);
    return final;
  }
}
