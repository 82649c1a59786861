/**
 * A tuning session on the caller's thread: resolves the base model, scans the takes, holds some out, computes the
 * features (clean and noisy copies, with the base's feature config) through the feature cache, records a run of
 * kind `tune` with its parent, and runs the tuning on a worker (tuneWorker.ts), persisting what it reports.
 * Bad inputs (no model, no takes, too few takes for --holdout) fail before any run is recorded.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FeatureConfig } from '../audio/features.js';
import { FeatureCache } from '../dataset/featureCache.js';
import { saveScan } from '../dataset/saveScan.js';
import { scanDataset, statCachePath, usableFiles } from '../dataset/scan.js';
import { SerError } from '../../shared/errors.js';
import type { Store } from '../store/index.js';
import type { RunRecord } from '../store/types.js';
import { appVersion } from '../version.js';
import { startWorker } from '../workers/spawn.js';
import { runArtifactDirs } from './artifacts.js';
import { resolveModelDir } from './exported.js';
import { chooseHoldout } from './holdout.js';
import { planSamples } from './plan.js';
import { ensureFeatures, markFailed, runNameStamp, SessionCore, superviseWorker, toStoredPerClass, type WorkerWatch } from './supervisor.js';
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

/** The tuning worker's messages as the store and listeners see them; the final message's event returned. */
function tuningWatch(s: Store, run: RunRecord, opts: TuneOptions, heldOut: number, emit: (e: TuneEvent) => void): WorkerWatch<TuneWorkerMessage, TuneEvent> {
  const id = run.id;
  let backend = '';
  let epochs = 0;
  const failed = (error: string): TuneEvent => {
    markFailed(s, id, error);
    return { event: 'failed', runId: id, error };
  };
  return {
    emit,
    failed,
    exited: (code) => failed(`tuning worker exited unexpectedly (code ${code}) after epoch ${epochs}`),
    handle(m) {
      switch (m.type) {
        case 'backend':
          backend = m.name;
          s.runs.update(id, { backend: m.name, workers: 1 });
          return;
        case 'ready':
          emit({ event: 'started', runId: id, name: run.name, backend, epochs: opts.epochs, startEpoch: 0, trainSize: m.trainSize, valSize: 0, testSize: m.heldOut, batchesPerEpoch: m.batchesPerEpoch, resumed: false, workers: 1 });
          return;
        case 'batch':
          emit({ event: 'batch', runId: id, ...m });
          return;
        case 'epoch':
          s.runs.addEpoch(id, { epoch: m.epoch, trainLoss: m.trainLoss, trainAccuracy: m.trainAccuracy, valLoss: null, valAccuracy: null, learningRate: m.lr, durationMs: m.durationMs, samplesPerSec: m.samplesPerSec });
          epochs = m.epoch + 1;
          emit({ event: 'epoch', runId: id, epoch: m.epoch, epochs: m.epochs, trainLoss: m.trainLoss, trainAccuracy: m.trainAccuracy, valLoss: null, valAccuracy: null, valUar: null, lr: m.lr, durationMs: m.durationMs, samplesPerSec: m.samplesPerSec, etaMs: m.etaMs });
          return;
        case 'finished': {
          // The tuned model's held-out evaluation is the run's test evaluation (`ser eval <run>` shows it).
          const a = m.after;
          s.evaluations.add({ runId: id, split: 'test', epoch: m.epochs - 1, accuracy: a.accuracy, uar: a.uar, macroF1: a.macroF1, weightedF1: a.weightedF1, confusion: a.confusion, perClass: toStoredPerClass(a) });
          s.models.add({ runId: id, kind: 'export', path: m.modelDir, epoch: m.epochs - 1, metric: a.accuracy, metricName: 'heldOutAccuracy' });
          s.runs.setStatus(id, 'completed');
          return { event: 'finished', runId: id, modelDir: m.modelDir, before: summary(m.before), after: summary(a), heldOut, durationMs: Math.round(m.durationMs) };
        }
        case 'failed':
          return failed(m.error);
      }
    },
  };
}

export function startTuning(options: TuneOptions, env: TrainingEnv & { extractWorkers?: number }): TuningHandle {
  const core = new SessionCore<TuneEvent>();
  let cancelled = false;
  let settle: ((e: TuneEvent) => void) | undefined;

  const done = core.run(env.dbPath, async (openStore) => {
    const opts = options;
    // 1. The base model: `--model` resolved as `ser classify` resolves it.
    const baseDir = resolve(resolveModelDir(opts.model, env.dbPath)); // absolute: it is recorded as the parent
    const baseRunId = opts.model !== undefined && /^\d+$/.test(opts.model) && !existsSync(opts.model) ? Number(opts.model) : null;
    const featureConfig = readFeatureConfig(baseDir);

    // 2. The takes, and which are held out.
    if (!existsSync(opts.data)) throw new SerError('not-found', `${opts.data}: no such folder; give the folder of your recordings (<dir>/<emotion>/*.wav)`);
    const scan = await scanDataset(opts.data, {
      statCacheFile: statCachePath(env.dataDir, opts.data),
      onProgress: (d, t) => core.emit({ event: 'preparing', runId: null, stage: 'scan', done: d, total: t, etaMs: 0 }),
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
    const store = openStore();
    const dataset = saveScan(store, scan);
    const run = store.runs.create({
      name: opts.name ?? `tune ${dataset.name} ${runNameStamp()}`,
      kind: 'tune',
      parent: { model: baseDir, runId: baseRunId },
      config: { ...opts, baseModel: baseDir, heldOutFiles: plan.test.map((s) => s.path), tuningFiles: split.train.map((i) => files[i]!.path) },
      seed: opts.seed,
      datasetId: dataset.id,
      datasetFingerprint: scan.summary.fingerprint,
      status: 'running',
    });
    const id = run.id;
    core.recorded(id);

    // 4. Features of every sample with the base's feature config, computed once and cached.
    await ensureFeatures(new FeatureCache(env.dataDir, featureConfig), [...plan.train, ...plan.test], {
      workers: env.extractWorkers,
      onProgress: (p) => core.emit({ event: 'preparing', runId: id, stage: 'features', done: p.done, total: p.total, etaMs: p.etaMs }),
    });
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
    const worker = startWorker(import.meta.url, 'tuneWorker', { workerData: init });
    const supervised = superviseWorker(worker, tuningWatch(store, run, opts, plan.test.length, core.emit), 'tuning worker');
    settle = (e) => {
      try {
        store.runs.setStatus(id, 'cancelled');
      } catch {
        /* ignore */
      }
      supervised.finish(e);
    };
    return supervised.done;
  });

  return {
    runId: core.runId,
    onEvent: (listener) => core.onEvent(listener),
    async cancel() {
      cancelled = true;
      if (settle && core.runIdValue !== null) settle({ event: 'cancelled', runId: core.runIdValue, epoch: 0 });
      await done;
    },
    done,
  };
}
