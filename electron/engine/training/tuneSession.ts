/**
 * A tuning session on the caller's thread: resolves the base model, scans the takes, holds some out, computes the
 * features (clean and noisy copies, with the base's feature config) through the feature cache, records a run of
 * kind `tune` with its parent, and runs the tuning on a worker (tuneWorker.ts), persisting what it reports.
 * Bad inputs (no model, no takes, too few takes for --holdout) fail before any run is recorded.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { FeatureConfig } from '../audio/features.js';
import { FeatureCache, type CacheEntryRef } from '../dataset/featureCache.js';
import { saveScan } from '../dataset/saveScan.js';
import { scanDataset, statCachePath, usableFiles } from '../dataset/scan.js';
import { SerError } from '../../shared/errors.js';
import { EMOTIONS } from '../../shared/labels.js';
import { openStore, type Store } from '../store/index.js';
import { appVersion } from '../version.js';
import { startWorker } from '../workers/spawn.js';
import { runArtifactDirs } from './artifacts.js';
import { resolveModelDir } from './exported.js';
import { chooseHoldout } from './holdout.js';
import { planSamples } from './plan.js';
import type { TuneWorkerInit, TuneWorkerMessage } from './tuneProtocol.js';
import type { BeforeAfter, TuneEvent, TuneOptions, TuningHandle } from './tuneTypes.js';
import type { Metrics, TrainingEnv } from './types.js';

const summary = (m: Metrics): BeforeAfter => ({ accuracy: m.accuracy, uar: m.uar, confusion: m.confusion });

function readFeatureConfig(dir: string): FeatureConfig {
  try {
    const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) as { featureConfig?: FeatureConfig };
    if (!meta.featureConfig) throw new Error('no featureConfig');
    return meta.featureConfig;
  } catch (err) {
    throw new SerError('corrupt', `${dir}: cannot read the model's metadata.json (${(err as Error).message}); the model folder is incomplete`);
  }
}

export function startTuning(options: TuneOptions, env: TrainingEnv & { extractWorkers?: number }): TuningHandle {
  const listeners = new Set<(e: TuneEvent) => void>();
  let worker: Worker | undefined;
  let runIdValue: number | null = null;
  let cancelled = false;
  let resolveRunId!: (id: number) => void;
  let rejectRunId!: (err: Error) => void;
  const runId = new Promise<number>((res, rej) => {
    resolveRunId = res;
    rejectRunId = rej;
  });
  runId.catch(() => undefined);
  let lastPreparing = 0;
  let settle: ((e: TuneEvent) => void) | undefined;
  const emit = (e: TuneEvent) => {
    if (e.event === 'preparing') {
      const now = Date.now();
      if (e.done < e.total && now - lastPreparing < 200) return;
      lastPreparing = now;
    }
    for (const l of listeners) {
      try {
        l(e);
      } catch {
        /* a listener's bug must not stop tuning */
      }
    }
  };

  const done = (async (): Promise<TuneEvent> => {
    let store: Store | undefined;
    try {
      const opts = options;
      // 1. The base model: `--model` resolved as `ser classify` resolves it.
      const baseDir = resolve(resolveModelDir(opts.model, env.dbPath)); // absolute: it is recorded as the parent
      const baseRunId = opts.model !== undefined && /^\d+$/.test(opts.model) && !existsSync(opts.model) ? Number(opts.model) : null;
      const featureConfig = readFeatureConfig(baseDir);

      // 2. The takes, and which are held out.
      if (!existsSync(opts.data)) throw new SerError('not-found', `${opts.data}: no such folder; give the folder of your recordings (<dir>/<emotion>/*.wav)`);
      const scan = await scanDataset(opts.data, {
        statCacheFile: statCachePath(env.dataDir, opts.data),
        onProgress: (d, t) => emit({ event: 'preparing', runId: null, stage: 'scan', done: d, total: t, etaMs: 0 }),
      });
      const files = usableFiles(scan.files);
      if (files.length === 0) throw new SerError('bad-input', `${opts.data}: no usable recordings (${scan.summary.problems.length} with problems); run \`ser dataset scan\` to see why`);
      const split = chooseHoldout(
        files.map((f) => ({ emotion: f.emotion!, contentHash: f.contentHash!, path: f.path })),
        opts.holdout,
        opts.seed,
        opts.data,
      );
      const plan = planSamples(files, { train: split.train, val: [], test: split.heldOut }, opts.augment, opts.seed);

      // 3. The run: recorded once the inputs are known to be usable.
      store = openStore(env.dbPath);
      const dataset = saveScan(store, scan);
      const run = store.runs.create({
        name: opts.name ?? `tune ${dataset.name} ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
        kind: 'tune',
        parent: { model: baseDir, runId: baseRunId },
        config: { ...opts, baseModel: baseDir, heldOutFiles: plan.test.map((s) => s.path), tuningFiles: split.train.map((i) => files[i]!.path) },
        seed: opts.seed,
        datasetId: dataset.id,
        datasetFingerprint: scan.summary.fingerprint,
        status: 'running',
      });
      const id = run.id;
      runIdValue = id;
      resolveRunId(id);

      // 4. Features of every sample with the base's feature config, computed once and cached.
      const cache = new FeatureCache(env.dataDir, featureConfig);
      const unique = new Map<string, CacheEntryRef>();
      for (const s of [...plan.train, ...plan.test]) unique.set(s.key, s);
      const ext = await cache.ensure([...unique.values()], {
        ...(env.extractWorkers !== undefined ? { workers: env.extractWorkers } : {}),
        onProgress: (p) => emit({ event: 'preparing', runId: id, stage: 'features', done: p.done, total: p.total, etaMs: p.etaMs }),
      });
      if (ext.failed.length) throw new SerError('corrupt', `features could not be computed for ${ext.failed.length} file(s): ${ext.failed.slice(0, 3).map((f) => f.reason).join('; ')}`);
      if (cancelled) {
        store.runs.setStatus(id, 'cancelled');
        return { event: 'cancelled', runId: id, epoch: 0 };
      }

      // 5. The tuning, on a worker.
      const init: TuneWorkerInit = {
        runId: id,
        options: opts,
        baseDir,
        baseRunId,
        train: plan.train,
        heldOut: plan.test,
        dataDir: env.dataDir,
        modelDir: runArtifactDirs(env.dataDir, run).modelDir,
        appVersion,
        datasetFingerprint: scan.summary.fingerprint,
      };
      const s = store;
      return await new Promise<TuneEvent>((resolve) => {
        let settled = false;
        let backend = '';
        let epochs = 0;
        const finish = (e: TuneEvent) => {
          if (settled) return;
          settled = true;
          emit(e);
          resolve(e);
          void worker?.terminate();
        };
        const fail = (error: string) => {
          try {
            s.runs.setStatus(id, 'failed', { error });
          } catch {
            /* keep the original error */
          }
          finish({ event: 'failed', runId: id, error });
        };
        settle = (e) => {
          try {
            s.runs.setStatus(id, 'cancelled');
          } catch {
            /* ignore */
          }
          finish(e);
        };
        worker = startWorker(import.meta.url, 'tuneWorker', { workerData: init });
        worker.on('message', (m: TuneWorkerMessage) => {
          try {
            switch (m.type) {
              case 'backend':
                backend = m.name;
                s.runs.update(id, { backend: m.name, workers: 1 });
                break;
              case 'ready':
                emit({ event: 'started', runId: id, name: run.name, backend, epochs: opts.epochs, startEpoch: 0, trainSize: m.trainSize, valSize: 0, testSize: m.heldOut, batchesPerEpoch: m.batchesPerEpoch, resumed: false, workers: 1 });
                break;
              case 'batch':
                emit({ event: 'batch', runId: id, ...m });
                break;
              case 'epoch':
                s.runs.addEpoch(id, { epoch: m.epoch, trainLoss: m.trainLoss, trainAccuracy: m.trainAccuracy, valLoss: null, valAccuracy: null, learningRate: m.lr, durationMs: m.durationMs, samplesPerSec: m.samplesPerSec });
                epochs = m.epoch + 1;
                emit({ event: 'epoch', runId: id, epoch: m.epoch, epochs: m.epochs, trainLoss: m.trainLoss, trainAccuracy: m.trainAccuracy, valLoss: null, valAccuracy: null, valUar: null, lr: m.lr, durationMs: m.durationMs, samplesPerSec: m.samplesPerSec, etaMs: m.etaMs });
                break;
              case 'finished': {
                // The tuned model's held-out evaluation is the run's test evaluation (`ser eval <run>` shows it).
                const a = m.after;
                s.evaluations.add({ runId: id, split: 'test', epoch: m.epochs - 1, accuracy: a.accuracy, uar: a.uar, macroF1: a.macroF1, weightedF1: a.weightedF1, confusion: a.confusion, perClass: EMOTIONS.map((e) => ({ label: e, ...a.perClass[e] })) });
                s.models.add({ runId: id, kind: 'export', path: m.modelDir, epoch: m.epochs - 1, metric: a.accuracy, metricName: 'heldOutAccuracy' });
                s.runs.setStatus(id, 'completed');
                finish({ event: 'finished', runId: id, modelDir: m.modelDir, before: summary(m.before), after: summary(a), heldOut: plan.test.length, durationMs: Math.round(m.durationMs) });
                break;
              }
              case 'failed':
                fail(m.error);
                break;
            }
          } catch (err) {
            fail((err as Error).message);
          }
        });
        worker.on('error', (err) => fail(`tuning worker crashed: ${err.message}`));
        worker.on('exit', (code) => {
          if (!settled) fail(`tuning worker exited unexpectedly (code ${code}) after epoch ${epochs}`);
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
      const e: TuneEvent = { event: 'failed', runId: runIdValue, error: message };
      emit(e);
      return e;
    } finally {
      store?.close();
    }
  })();

  return {
    runId,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async cancel() {
      cancelled = true;
      if (settle && runIdValue !== null) settle({ event: 'cancelled', runId: runIdValue, epoch: 0 });
      await done;
    },
    done,
  };
}
