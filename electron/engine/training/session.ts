/**
 * A training session on the caller's thread: prepares the data (scan, split, feature cache), records the run,
 * runs the loop on a worker thread and persists what it reports — every epoch is committed as it ends, so a
 * killed process loses at most the epoch in flight. The store has one writer: this session, not the worker.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { PAPER_FEATURES } from '../audio/features.js';
import { FeatureCache, type CacheEntryRef } from '../dataset/featureCache.js';
import { saveScan } from '../dataset/saveScan.js';
import { scanDataset, statCachePath, usableFiles } from '../dataset/scan.js';
import { makeSplit } from '../dataset/splits.js';
import { SerError } from '../../shared/errors.js';
import { EMOTIONS } from '../../shared/labels.js';
import { openStore, type Store } from '../store/index.js';
import type { ClassMetrics as StoredClassMetrics, RunSplit } from '../store/types.js';
import { appVersion } from '../version.js';
import { startWorker } from '../workers/spawn.js';
import { adoptLegacyRun, runArtifactDirs } from './artifacts.js';
import { planSamples } from './plan.js';
import type { ControlMessage, WorkerInit, WorkerMessage } from './protocol.js';
import type { Metrics, TrainEvent, TrainingEnv, TrainingHandle, TrainOptions } from './types.js';

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

function toStoredPerClass(m: Metrics): StoredClassMetrics[] {
  return EMOTIONS.map((e) => ({ label: e, ...m.perClass[e] }));
}

/** One training thread per core the process may use. */
export function defaultTrainingWorkers(): number {
  return Math.max(1, availableParallelism());
}

export function startTraining(options: TrainOptions | undefined, env: StartOptions): TrainingHandle {
  const listeners = new Set<(e: TrainEvent) => void>();
  const replay = new Map<string, TrainEvent>();
  let worker: Worker | undefined;
  let runIdValue: number | null = null;
  let stopKind: 'cancel' | 'interrupt' | undefined;
  let resolveRunId!: (id: number) => void;
  let rejectRunId!: (err: Error) => void;
  const runId = new Promise<number>((res, rej) => {
    resolveRunId = res;
    rejectRunId = rej;
  });
  runId.catch(() => undefined); // callers that never await it must not see an unhandled rejection
  const pendingControl: ControlMessage[] = [];

  let lastPreparing = 0;
  const emit = (e: TrainEvent) => {
    if (e.event === 'preparing') {
      // Progress, not history: at most ~5 per second, plus the last one of each stage.
      const now = Date.now();
      if (e.done < e.total && now - lastPreparing < 200) return;
      lastPreparing = now;
    }
    if (e.event === 'started' || e.event === 'epoch' || e.event === 'preparing') replay.set(e.event, e);
    for (const l of listeners) {
      try {
        l(e);
      } catch {
        /* a listener's bug must not stop training */
      }
    }
  };
  const control = (m: ControlMessage) => {
    if (worker) worker.postMessage(m);
    else pendingControl.push(m);
  };

  const done = (async (): Promise<TrainEvent> => {
    let store: Store | undefined;
    try {
      store = openStore(env.dbPath);
      let opts: TrainOptions;
      let resume = false;
      if (env.resumeRunId !== undefined) {
        const run = store.runs.require(env.resumeRunId);
        if (run.status !== 'interrupted') {
          throw new SerError('bad-input', `run ${run.id} is ${run.status}; only interrupted runs can be resumed`);
        }
        opts = { ...(run.config as TrainOptions), ...env.resumeOverrides };
        runIdValue = run.id;
        resume = true;
        if (env.resumeOverrides && Object.keys(env.resumeOverrides).length) store.runs.update(run.id, { config: opts });
      } else {
        if (!options) throw new SerError('bad-input', 'training options are required');
        // Stored resolved, so a resume uses the same worker count (and so the same BatchNorm slices and dropout).
        opts = { ...options, workers: options.workers ?? defaultTrainingWorkers() };
      }

      // 1. Dataset: scan (stat-cached), split, plan.
      const scan = await scanDataset(opts.data, {
        includeSong: Boolean(opts.includeSong),
        statCacheFile: statCachePath(env.dataDir, opts.data),
        onProgress: (d, t) => emit({ event: 'preparing', runId: runIdValue, stage: 'scan', done: d, total: t, etaMs: 0 }),
      });
      const files = usableFiles(scan.files);
      if (files.length === 0) throw new SerError('bad-input', `${opts.data}: no usable audio files (${scan.summary.problems.length} with problems); run \`ser dataset scan\` to see why`);
      const split = makeSplit(
        files.map((f) => ({ label: f.emotion!, ...(f.speaker ? { speaker: f.speaker } : {}) })),
        opts.split,
      );
      if (split.train.length === 0) throw new SerError('bad-input', 'the split leaves no training files');
      const plan = planSamples(files, split, opts.augment, opts.seed);
      const dataset = saveScan(store, scan);
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
      if (resume) {
        const run = store.runs.require(runIdValue!);
        if (run.datasetFingerprint && run.datasetFingerprint !== scan.summary.fingerprint) {
          throw new SerError('bad-input', `the dataset in ${opts.data} changed since run ${run.id} started (fingerprint differs); its data order cannot be reproduced — start a new run`);
        }
        store.runs.setStatus(run.id, 'running');
      } else {
        const run = store.runs.create({
          name: opts.name ?? `${dataset.name} ${opts.split.kind} ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
          config: opts,
          seed: opts.seed,
          split: runSplit,
          datasetId: dataset.id,
          datasetFingerprint: scan.summary.fingerprint,
          status: 'running',
          ...(env.group ? { group: { groupId: env.group.id, fold: env.group.fold } } : {}),
        });
        runIdValue = run.id;
      }
      const id = runIdValue!;
      resolveRunId(id);

      // 2. Features for every sample (clean and noisy copies), computed once and cached.
      const cache = new FeatureCache(env.dataDir, PAPER_FEATURES);
      const unique = new Map<string, CacheEntryRef>();
      for (const s of [...plan.train, ...plan.val, ...plan.test]) unique.set(s.key, s);
      const ext = await cache.ensure([...unique.values()], {
        ...(env.extractWorkers !== undefined ? { workers: env.extractWorkers } : {}),
        onProgress: (p) => emit({ event: 'preparing', runId: id, stage: 'features', done: p.done, total: p.total, etaMs: p.etaMs }),
      });
      if (ext.failed.length) {
        throw new SerError('corrupt', `features could not be computed for ${ext.failed.length} file(s): ${ext.failed.slice(0, 3).map((f) => f.reason).join('; ')}`);
      }
      if (stopKind) {
        store.runs.setStatus(id, stopKind === 'interrupt' ? 'interrupted' : 'cancelled');
        return { event: 'cancelled', runId: id, epoch: 0 };
      }

      // 3. The loop, on a worker. A run older than run UUIDs gets one (and a copy of its checkpoint) before it writes.
      const record = store.runs.require(id);
      const artifactDirs = record.uuid === null && resume ? adoptLegacyRun(env.dataDir, id, store.runs.assignUuid(id).uuid!) : runArtifactDirs(env.dataDir, record);
      const init: WorkerInit = {
        runId: id,
        options: opts,
        samples: plan,
        dataDir: env.dataDir,
        featureConfig: PAPER_FEATURES,
        ...artifactDirs,
        resume,
        appVersion,
        datasetFingerprint: scan.summary.fingerprint,
      };
      const s = store;
      return await new Promise<TrainEvent>((resolve) => {
        let settled = false;
        let checkpointRecorded = false;
        let epochs = 0;
        let backend = '';
        let workers = 1;
        const finish = (e: TrainEvent) => {
          if (settled) return;
          settled = true;
          emit(e);
          resolve(e);
          void worker?.terminate();
        };
        worker = startWorker(import.meta.url, 'trainWorker', { workerData: init });
        for (const m of pendingControl.splice(0)) worker.postMessage(m);
        worker.on('message', (m: WorkerMessage) => {
          try {
            switch (m.type) {
              case 'backend':
                backend = m.name;
                workers = m.workers;
                s.runs.update(id, { backend: m.name, workers: m.workers });
                break;
              case 'ready':
                epochs = m.startEpoch;
                emit({ event: 'started', runId: id, name: s.runs.require(id).name, backend, epochs: opts.epochs, startEpoch: m.startEpoch, trainSize: m.trainSize, valSize: m.valSize, testSize: m.testSize, batchesPerEpoch: m.batchesPerEpoch, resumed: m.resumed, workers });
                break;
              case 'batch':
                emit({ event: 'batch', runId: id, epoch: m.epoch, batch: m.batch, batches: m.batches, loss: m.loss, accuracy: m.accuracy, samplesPerSec: m.samplesPerSec, etaMs: m.etaMs });
                break;
              case 'epoch': {
                s.runs.addEpoch(id, { epoch: m.epoch, trainLoss: m.trainLoss, trainAccuracy: m.trainAccuracy, valLoss: m.valLoss, valAccuracy: m.valMetrics?.accuracy ?? null, learningRate: m.lr, durationMs: m.durationMs, samplesPerSec: m.samplesPerSec });
                if (m.valMetrics) {
                  s.evaluations.add({ runId: id, split: 'val', epoch: m.epoch, accuracy: m.valMetrics.accuracy, uar: m.valMetrics.uar, macroF1: m.valMetrics.macroF1, weightedF1: m.valMetrics.weightedF1, confusion: m.valMetrics.confusion, perClass: toStoredPerClass(m.valMetrics) });
                }
                epochs = m.epoch + 1;
                emit({ event: 'epoch', runId: id, epoch: m.epoch, epochs: m.epochs, trainLoss: m.trainLoss, trainAccuracy: m.trainAccuracy, valLoss: m.valLoss, valAccuracy: m.valMetrics?.accuracy ?? null, valUar: m.valMetrics?.uar ?? null, lr: m.lr, durationMs: m.durationMs, samplesPerSec: m.samplesPerSec, etaMs: m.etaMs, tensors: m.tensors, timing: m.timing });
                break;
              }
              case 'checkpoint':
                if (m.best || !checkpointRecorded) {
                  s.models.add({ runId: id, kind: m.best ? 'best' : 'checkpoint', path: m.path, epoch: m.epoch, metric: m.metric, metricName: m.metricName });
                  if (!m.best) checkpointRecorded = true;
                }
                emit({ event: 'checkpoint', runId: id, epoch: m.epoch, path: m.path, best: m.best });
                break;
              case 'paused':
                emit({ event: 'paused', runId: id, epoch: m.epoch });
                break;
              case 'resumed':
                emit({ event: 'resumed', runId: id, epoch: m.epoch });
                break;
              case 'finished':
                s.evaluations.add({ runId: id, split: 'test', epoch: m.bestEpoch, accuracy: m.test.accuracy, uar: m.test.uar, macroF1: m.test.macroF1, weightedF1: m.test.weightedF1, confusion: m.test.confusion, perClass: toStoredPerClass(m.test) });
                s.models.add({ runId: id, kind: 'export', path: m.modelDir, epoch: m.bestEpoch, metric: m.test.accuracy, metricName: 'testAccuracy' });
                s.runs.setStatus(id, 'completed');
                finish({ event: 'finished', runId: id, testAccuracy: m.test.accuracy, uar: m.test.uar, macroF1: m.test.macroF1, epochs: m.epochs, durationMs: m.durationMs, modelDir: m.modelDir });
                break;
              case 'stopped':
                s.runs.setStatus(id, m.reason === 'interrupt' ? 'interrupted' : 'cancelled');
                finish({ event: 'cancelled', runId: id, epoch: m.epoch });
                break;
              case 'failed':
                s.runs.setStatus(id, 'failed', { error: m.error });
                finish({ event: 'failed', runId: id, error: m.error });
                break;
            }
          } catch (err) {
            // A store error (disk full, locked) fails the run clearly; what was committed stays.
            try {
              s.runs.setStatus(id, 'failed', { error: (err as Error).message });
            } catch {
              /* the store itself is what failed */
            }
            finish({ event: 'failed', runId: id, error: (err as Error).message });
          }
        });
        worker.on('error', (err) => {
          try {
            s.runs.setStatus(id, 'failed', { error: `training worker crashed: ${err.message}` });
          } catch {
            /* keep the original error */
          }
          finish({ event: 'failed', runId: id, error: `training worker crashed: ${err.message}` });
        });
        worker.on('exit', (code) => {
          if (settled) return;
          const msg = `training worker exited unexpectedly (code ${code}) after epoch ${epochs}`;
          try {
            s.runs.setStatus(id, stopKind === 'interrupt' ? 'interrupted' : 'failed', { error: msg });
          } catch {
            /* ignore */
          }
          finish(stopKind ? { event: 'cancelled', runId: id, epoch: epochs } : { event: 'failed', runId: id, error: msg });
        });
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (runIdValue !== null && store) {
        try {
          store.runs.setStatus(runIdValue, 'failed', { error: message });
        } catch {
          /* keep the original error */
        }
      }
      rejectRunId(err instanceof Error ? err : new Error(message));
      const e: TrainEvent = { event: 'failed', runId: runIdValue, error: message };
      emit(e);
      return e;
    } finally {
      store?.close();
    }
  })();

  return {
    runId,
    onEvent(listener) {
      for (const e of replay.values()) listener(e);
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
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
