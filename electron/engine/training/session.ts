/**
 * A training session on the caller's thread: prepares the data (scan, split, feature cache), records the run,
 * runs the loop on a worker thread and persists what it reports — every epoch is committed as it ends, so a
 * killed process loses at most the epoch in flight. The store has one writer: this session, not the worker.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { runFeatures } from '../audio/features.js';
import { FeatureCache } from '../dataset/featureCache.js';
import { saveScan } from '../dataset/saveScan.js';
import { scanDataset, statCachePath, usableFiles } from '../dataset/scan.js';
import { makeSplit } from '../dataset/splits.js';
import { SerError } from '../../shared/errors.js';
import type { Store } from '../store/index.js';
import type { RunSplit } from '../store/types.js';
import { appVersion } from '../version.js';
import { startWorker } from '../workers/spawn.js';
import { adoptLegacyRun, runArtifactDirs } from './artifacts.js';
import { planSamples, trainingSpeakers } from './plan.js';
import type { ControlMessage, WorkerInit, WorkerMessage } from './protocol.js';
import { ensureFeatures, markFailed, runNameStamp, SessionCore, superviseWorker, toStoredPerClass, type WorkerWatch } from './supervisor.js';
import type { TrainEvent, TrainingEnv, TrainingHandle, TrainOptions } from './types.js';

export interface StartOptions extends TrainingEnv {
  /** Continue an interrupted run from its last checkpoint (its stored options are used). */
  resumeRunId?: number;
  /**
   * On resume: a new epoch budget (more to extend the run; no more than it has done to stop it here, then test and
   * export its best weights) and/or another worker count (the run stays valid but is no longer bit-identical to an
   * uninterrupted one). Stored in the run's config.
   */
  resumeOverrides?: { epochs?: number; workers?: number };
  /** Feature-extraction workers (default: one per core). */
  extractWorkers?: number;
  /** A new run that is fold `fold` of run group `id` (cross-validation). */
  group?: { id: number; fold: number };
}

/** One training thread per core the process may use. */
export function defaultTrainingWorkers(): number {
  return Math.max(1, availableParallelism());
}

type Emit = (e: TrainEvent) => void;

/**
 * The options a session trains with: a resumed run's stored ones (with the overrides, stored too), else the
 * caller's with the worker count resolved. A resumed run's id is known from here on.
 */
function resolveOptions(store: Store, options: TrainOptions | undefined, env: StartOptions, core: SessionCore<TrainEvent>): { opts: TrainOptions; resume: boolean } {
  if (env.resumeRunId !== undefined) {
    const run = store.runs.require(env.resumeRunId);
    if (run.status !== 'interrupted') {
      throw new SerError('bad-input', `run ${run.id} is ${run.status}; only interrupted runs can be resumed`);
    }
    const opts = { ...(run.config as TrainOptions), ...env.resumeOverrides };
    core.runIdValue = run.id;
    if (env.resumeOverrides && Object.keys(env.resumeOverrides).length) store.runs.update(run.id, { config: opts });
    return { opts, resume: true };
  }
  if (!options) throw new SerError('bad-input', 'training options are required');
  // Stored resolved, so a resume uses the same worker count (and so the same BatchNorm slices and dropout).
  return { opts: { ...options, workers: options.workers ?? defaultTrainingWorkers() }, resume: false };
}

/**
 * The data of a run: the dataset scanned (stat-cached), split, its samples planned (clean clips and noisy copies), and
 * the features it trains on (the cache's and the worker's, decided here once).
 */
export async function prepareData(opts: TrainOptions, env: StartOptions, emit: Emit, runId: () => number | null) {
  const scan = await scanDataset(opts.data, {
    includeSong: Boolean(opts.includeSong),
    statCacheFile: statCachePath(env.dataDir, opts.data),
    onProgress: (d, t) => emit({ event: 'preparing', runId: runId(), stage: 'scan', done: d, total: t, etaMs: 0 }),
  });
  const files = usableFiles(scan.files);
  if (files.length === 0) throw new SerError('bad-input', `${opts.data}: no usable audio files (${scan.summary.problems.length} with problems); run \`ser dataset scan\` to see why`);
  const split = makeSplit(
    files.map((f) => ({ label: f.emotion!, ...(f.speaker ? { speaker: f.speaker } : {}) })),
    opts.split,
  );
  if (split.train.length === 0) throw new SerError('bad-input', 'the split leaves no training files');
  if (opts.earlyStopping && split.val.length === 0) throw new SerError('bad-input', `early stopping watches the validation part, and this ${split.kind} split has none`);
  const plan = planSamples(files, split, opts.augment, opts.seed);
  if (opts.speakerAdversary) trainingSpeakers(plan.train); // its one-line error now, not from the training thread
  const runSplit: RunSplit = {
    kind: split.kind,
    seed: split.seed,
    trainSpeakers: split.trainSpeakers,
    valSpeakers: split.valSpeakers,
    testSpeakers: split.testSpeakers,
    trainFiles: split.train.length,
    valFiles: split.val.length,
    testFiles: split.test.length,
    trainSamples: plan.train.length,
  };
  return { scan, plan, runSplit, featureConfig: runFeatures(opts.melNorm) };
}

export type Prepared = Awaited<ReturnType<typeof prepareData>>;

/** The run's record: a new run created `running`, or the resumed one (same data, checked by fingerprint) set running again. */
function recordRun(store: Store, opts: TrainOptions, data: Prepared, resumeRunId: number | null, group: StartOptions['group']): number {
  const dataset = saveScan(store, data.scan);
  const fingerprint = data.scan.summary.fingerprint;
  if (resumeRunId !== null) {
    const run = store.runs.require(resumeRunId);
    if (run.datasetFingerprint && run.datasetFingerprint !== fingerprint) {
      throw new SerError('bad-input', `the dataset in ${opts.data} changed since run ${run.id} started (fingerprint differs); its data order cannot be reproduced — start a new run`);
    }
    store.runs.setStatus(run.id, 'running');
    return run.id;
  }
  return store.runs.create({
    name: opts.name ?? `${dataset.name} ${opts.split.kind} ${runNameStamp()}`,
    config: opts,
    seed: opts.seed,
    split: data.runSplit,
    datasetId: dataset.id,
    datasetFingerprint: fingerprint,
    status: 'running',
    ...(group ? { group: { groupId: group.id, fold: group.fold } } : {}),
  }).id;
}

/** What the worker needs. A run older than run UUIDs gets one (and a copy of its checkpoint) before it writes. */
function workerInit(store: Store, id: number, opts: TrainOptions, data: Prepared, resume: boolean, dataDir: string): WorkerInit {
  const record = store.runs.require(id);
  const artifactDirs = record.uuid === null && resume ? adoptLegacyRun(dataDir, id, store.runs.assignUuid(id).uuid!) : runArtifactDirs(dataDir, record);
  return {
    runId: id,
    options: opts,
    samples: data.plan,
    dataDir,
    featureConfig: data.featureConfig,
    ...artifactDirs,
    resume,
    appVersion,
    datasetFingerprint: data.scan.summary.fingerprint,
  };
}

/**
 * The worker's messages as the store and listeners see them: every epoch, evaluation and model committed as it
 * is reported; the final message's event returned.
 */
export function trainingWatch(s: Store, id: number, opts: TrainOptions, emit: Emit, stopKind: () => StopKind | undefined): WorkerWatch<WorkerMessage, TrainEvent> {
  let checkpointRecorded = false;
  let epochs = 0;
  let backend = '';
  let workers = 1;
  return {
    emit,
    handle(m) {
      switch (m.type) {
        case 'backend':
          backend = m.name;
          workers = m.workers;
          s.runs.update(id, { backend: m.name, workers: m.workers });
          return;
        case 'ready':
          epochs = m.startEpoch;
          emit({ event: 'started', runId: id, name: s.runs.require(id).name, backend, epochs: opts.epochs, startEpoch: m.startEpoch, trainSize: m.trainSize, valSize: m.valSize, testSize: m.testSize, batchesPerEpoch: m.batchesPerEpoch, resumed: m.resumed, workers });
          return;
        case 'batch':
          emit({ event: 'batch', runId: id, epoch: m.epoch, batch: m.batch, batches: m.batches, loss: m.loss, accuracy: m.accuracy, samplesPerSec: m.samplesPerSec, etaMs: m.etaMs });
          return;
        case 'epoch': {
          s.runs.addEpoch(id, { epoch: m.epoch, trainLoss: m.trainLoss, trainAccuracy: m.trainAccuracy, valLoss: m.valLoss, valAccuracy: m.valMetrics?.accuracy ?? null, learningRate: m.lr, durationMs: m.durationMs, samplesPerSec: m.samplesPerSec });
          if (m.valMetrics) {
            s.evaluations.add({ runId: id, split: 'val', epoch: m.epoch, accuracy: m.valMetrics.accuracy, uar: m.valMetrics.uar, macroF1: m.valMetrics.macroF1, weightedF1: m.valMetrics.weightedF1, confusion: m.valMetrics.confusion, perClass: toStoredPerClass(m.valMetrics) });
          }
          epochs = m.epoch + 1;
          emit({ event: 'epoch', runId: id, epoch: m.epoch, epochs: m.epochs, trainLoss: m.trainLoss, trainAccuracy: m.trainAccuracy, valLoss: m.valLoss, valAccuracy: m.valMetrics?.accuracy ?? null, valUar: m.valMetrics?.uar ?? null, lr: m.lr, durationMs: m.durationMs, samplesPerSec: m.samplesPerSec, etaMs: m.etaMs, tensors: m.tensors, timing: m.timing });
          return;
        }
        case 'checkpoint':
          if (m.best || !checkpointRecorded) {
            s.models.add({ runId: id, kind: m.best ? 'best' : 'checkpoint', path: m.path, epoch: m.epoch, metric: m.metric, metricName: m.metricName });
            if (!m.best) checkpointRecorded = true;
          }
          emit({ event: 'checkpoint', runId: id, epoch: m.epoch, path: m.path, best: m.best });
          return;
        case 'paused':
          emit({ event: 'paused', runId: id, epoch: m.epoch });
          return;
        case 'resumed':
          emit({ event: 'resumed', runId: id, epoch: m.epoch });
          return;
        case 'finished': {
          // No test part (split all): no test evaluation is stored, so every reader sees null test figures.
          const t = m.test;
          if (t) s.evaluations.add({ runId: id, split: 'test', epoch: m.bestEpoch, accuracy: t.accuracy, uar: t.uar, macroF1: t.macroF1, weightedF1: t.weightedF1, confusion: t.confusion, perClass: toStoredPerClass(t) });
          s.models.add({ runId: id, kind: 'export', path: m.modelDir, epoch: m.bestEpoch, metric: t?.accuracy ?? null, metricName: t ? 'testAccuracy' : null });
          s.runs.setStatus(id, 'completed');
          return { event: 'finished', runId: id, testAccuracy: t?.accuracy ?? null, uar: t?.uar ?? null, macroF1: t?.macroF1 ?? null, epochs: m.epochs, durationMs: m.durationMs, modelDir: m.modelDir };
        }
        case 'stopped':
          s.runs.setStatus(id, m.reason === 'interrupt' ? 'interrupted' : 'cancelled');
          return { event: 'cancelled', runId: id, epoch: m.epoch };
        case 'failed':
          s.runs.setStatus(id, 'failed', { error: m.error });
          return { event: 'failed', runId: id, error: m.error };
      }
    },
    failed(error) {
      markFailed(s, id, error);
      return { event: 'failed', runId: id, error };
    },
    exited(code) {
      const msg = `training worker exited unexpectedly (code ${code}) after epoch ${epochs}`;
      const stop = stopKind();
      try {
        s.runs.setStatus(id, stop === 'interrupt' ? 'interrupted' : 'failed', { error: msg });
      } catch {
        /* ignore */
      }
      return stop ? { event: 'cancelled', runId: id, epoch: epochs } : { event: 'failed', runId: id, error: msg };
    },
  };
}

export type StopKind = 'cancel' | 'interrupt';

export function startTraining(options: TrainOptions | undefined, env: StartOptions): TrainingHandle {
  const core = new SessionCore<TrainEvent>(['started', 'epoch', 'preparing']);
  let worker: Worker | undefined;
  let stopKind: StopKind | undefined;
  const pendingControl: ControlMessage[] = [];
  const control = (m: ControlMessage) => {
    if (worker) worker.postMessage(m);
    else pendingControl.push(m);
  };

  const done = core.run(env.dbPath, async (openStore) => {
    const store = openStore();
    const { opts, resume } = resolveOptions(store, options, env, core);
    // 1. Dataset: scan, split, plan; then the run's record.
    const data = await prepareData(opts, env, core.emit, () => core.runIdValue);
    const id = recordRun(store, opts, data, resume ? core.runIdValue : null, env.group);
    core.recorded(id);

    // 2. Features for every sample (clean and noisy copies), computed once and cached.
    await ensureFeatures(new FeatureCache(env.dataDir, data.featureConfig), [...data.plan.train, ...data.plan.val, ...data.plan.test], {
      workers: env.extractWorkers,
      onProgress: (p) => core.emit({ event: 'preparing', runId: id, stage: 'features', done: p.done, total: p.total, etaMs: p.etaMs }),
    });
    if (stopKind) {
      store.runs.setStatus(id, stopKind === 'interrupt' ? 'interrupted' : 'cancelled');
      return { event: 'cancelled', runId: id, epoch: 0 };
    }

    // 3. The loop, on a worker.
    worker = startWorker(import.meta.url, 'trainWorker', { workerData: workerInit(store, id, opts, data, resume, env.dataDir) });
    for (const m of pendingControl.splice(0)) worker.postMessage(m);
    return superviseWorker(worker, trainingWatch(store, id, opts, core.emit, () => stopKind), 'training worker').done;
  });

  return {
    runId: core.runId,
    onEvent: (listener) => core.onEvent(listener),
    pause: () => control({ type: 'pause' }),
    resume: () => control({ type: 'resume' }),
    async cancel() {
      stopKind = 'cancel';
      control({ type: 'cancel' });
      await done;
    },
    async interrupt() {
      stopKind = 'interrupt';
      control({ type: 'interrupt' });
      await done;
    },
    done,
  };
}
