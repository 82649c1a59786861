/**
 * A hyperparameter sweep: its trials (recipe × fold) recorded with the sweep, then handed to a trial runner — this
 * process's training sessions (`localTrials`), or a work queue whose workers may be on other machines (the queue
 * runner lives with the services, which own its connection). Every trial becomes an ordinary run of this database,
 * so `ser runs`, the Monitor and the Results views show it like any other.
 *
 * Folds: with K ≥ 2 a trial of fold k splits by speaker exactly as `ser cv`'s fold k does (the same seed, so every
 * recipe is tested on the same speakers); with K = 1 each trial uses the split its options carry.
 *
 * A trial that fails does not stop the others; the sweep ends `completed` when every trial completed, else `failed`
 * naming how many did not. `cancel()` (Ctrl-C) cancels the running trials and the queued ones; so does a cancel
 * request recorded in the database by another process (`ser sweep cancel`, the app), which the sweep polls for.
 * `interrupt()` (SIGTERM) stops the same way but resumably: the running trials' runs are checkpointed and left
 * `interrupted`, the sweep too, so `--resume` continues them instead of training them again from the start.
 *
 * Resume (`resumeSweepId`): a sweep that is not completed and not driven by a live process trains its unfinished
 * trials again — completed ones are kept; a trial whose run was interrupted continues that run (from its checkpoint,
 * when the runner can see it), any other gets a new run.
 */
import { availableParallelism } from 'node:os';
import { basename, resolve } from 'node:path';
import { scanDataset, statCachePath, usableFiles } from '../dataset/scan.js';
import { defaultValSpeakerCount, type SpeakerSplitSpec } from '../dataset/splits.js';
import { SerError } from '../../shared/errors.js';
import { openStore, type Store } from '../store/index.js';
import { startTraining } from './session.js';
import { bestRecipe } from '../../shared/sweepBest.js';
import type { SweepRecord } from '../store/types.js';
import { recipeSummaries, sweepTrialRows, type SweepRecipeSummary } from './sweepResults.js';
import type { ExpandedTrial, SweepSpace } from './sweepSpace.js';
import type { TrainEvent, TrainingEnv, TrainingHandle, TrainOptions } from './types.js';

export interface SweepRequest {
  name?: string;
  data: string;
  space: SweepSpace;
  folds: number;
  /** Seed of the speaker folds (K ≥ 2): the same for every recipe. */
  splitSeed: number;
  /** Stored as the sweep's config: how its trials were made (base options, model overrides…). */
  config: Record<string, unknown>;
  /**
   * Every trial with its options, already validated (the sweep sets each one's name and, with K ≥ 2, its split), and
   * its recipe in the training options schema's form: what a remote worker validates and rebuilds the options from.
   */
  trials: Array<ExpandedTrial & { options: TrainOptions; recipeSpec: Record<string, unknown> }>;
  /** Validation speakers per fold (K ≥ 2; default as `ser cv`). */
  valSpeakers?: number;
  /** Continue this sweep instead of recording a new one: `trials` are its stored trials (matched by recipe and fold). */
  resumeSweepId?: number;
}

/** One trial as a runner gets it: its options complete (name, split). */
export interface TrialJob {
  sweepId: number;
  trialId: number;
  recipe: number;
  fold: number;
  params: Record<string, unknown>;
  options: TrainOptions;
  recipeSpec: Record<string, unknown>;
  /** On resume: the trial's interrupted run, to be continued rather than replaced by a new one. */
  resumeRunId?: number;
  /** Times the trial was started before this sweep session (its attempts count on from there). */
  priorAttempts: number;
}

/** What a runner tells the sweep while a trial runs; the sweep records it and forwards the events. */
export interface TrialReport {
  /** The trial (re)started on `worker`; `attempt` counts from 1. */
  started(worker: string, attempt: number): void;
  /** The trial's run is recorded in this database. */
  recorded(runId: number): void;
  event(e: TrainEvent): void;
}

export interface TrialRunner {
  /** Trials in flight at once. */
  readonly lanes: number;
  /** Where trials go, stored with the sweep: a queue URL without its password, or null for this process. */
  readonly queue: string | null;
  /** Trains one trial; settles with its final event (finished, failed or cancelled). */
  run(job: TrialJob, report: TrialReport): Promise<TrainEvent>;
  /** Stops every trial in flight (they settle `cancelled`). */
  cancel(): Promise<void>;
  /** Stops every trial in flight resumably (their runs `interrupted`); a runner without it is cancelled instead. */
  interrupt?(): Promise<void>;
  close(): Promise<void>;
}

export type SweepTrialEvent = TrainEvent & { sweepId: number; trialId: number; recipe: number; fold: number };

export interface SweepFinished {
  event: 'finished';
  sweepId: number;
  status: 'completed' | 'failed';
  trials: number;
  completed: number;
  failed: number;
  /** The recipe with the highest mean test UAR over its folds (null when none completed). */
  best: SweepRecipeSummary | null;
  summary: SweepRecipeSummary[];
  durationMs: number;
}

export type SweepOwnEvent =
  | { event: 'sweep-preparing'; stage: 'scan'; done: number; total: number }
  | {
      event: 'sweep-started';
      sweepId: number;
      name: string;
      trials: number;
      recipes: number;
      folds: number;
      queue: string | null;
      lanes: number;
      resumed: boolean;
      /** Trials this session trains (on resume, the unfinished ones). */
      toRun: number;
    }
  | { event: 'trial-started'; sweepId: number; trialId: number; recipe: number; fold: number; params: Record<string, unknown>; worker: string; attempt: number }
  | SweepFinished
  | { event: 'failed'; sweepId: number | null; error: string }
  | { event: 'cancelled'; sweepId: number; interrupted: boolean };

export type SweepEvent = SweepTrialEvent | SweepOwnEvent;
export type SweepFinalEvent = Extract<SweepOwnEvent, { event: 'finished' | 'failed' | 'cancelled' }>;

export function isTrialEvent(e: SweepEvent): e is SweepTrialEvent {
  return 'trialId' in e && e.event !== 'trial-started';
}

export interface SweepHandle {
  readonly sweepId: Promise<number>;
  onEvent(listener: (e: SweepEvent) => void): () => void;
  /** Cancels the running trials and the queued ones; the sweep becomes `cancelled`. */
  cancel(): Promise<void>;
  /** Stops the running trials resumably and starts no other; the sweep and their runs become `interrupted`. */
  interrupt(): Promise<void>;
  readonly done: Promise<SweepFinalEvent>;
}

const paramsText = (p: Record<string, unknown>) => Object.entries(p).map(([k, v]) => `${k}=${String(v)}`).join(' ');

/** How often a running sweep looks for a cancel request from another process. */
const CANCEL_POLL_MS = 1000;

/** The trials' default name: `<sweep> · lr=0.01 optimizer=sgd · fold 1/2`. */
export function trialName(sweep: string, params: Record<string, unknown>, fold: number, folds: number): string {
  return `${sweep} · ${paramsText(params)}${folds > 1 ? ` · fold ${fold + 1}/${folds}` : ''}`;
}

export function startSweep(req: SweepRequest, env: TrainingEnv, runner: TrialRunner): SweepHandle {
  const listeners = new Set<(e: SweepEvent) => void>();
  /** How the sweep was stopped, once it was: an interrupt only where the runner can stop resumably. */
  let stopKind: 'cancel' | 'interrupt' | undefined;
  let stopping: Promise<void> = Promise.resolve();
  /**
   * Ctrl-C and a cancel request from elsewhere end the same way: no trial starts, the running ones are cancelled.
   * An interrupt (SIGTERM) leaves the running ones resumable, where the runner can.
   */
  const stop = (kind: 'cancel' | 'interrupt' = 'cancel'): Promise<void> => {
    if (!stopKind) {
      stopKind = kind === 'interrupt' && runner.interrupt ? 'interrupt' : 'cancel';
      stopping = (stopKind === 'interrupt' ? runner.interrupt!() : runner.cancel()).catch(() => undefined);
    }
    return stopping;
  };
  let resolveId!: (id: number) => void;
  let rejectId!: (err: Error) => void;
  const sweepId = new Promise<number>((res, rej) => {
    resolveId = res;
    rejectId = rej;
  });
  sweepId.catch(() => undefined);
  let lastPreparing = 0;
  const emit = (e: SweepEvent) => {
    if (e.event === 'sweep-preparing') {
      const now = Date.now();
      if (e.done < e.total && now - lastPreparing < 200) return;
      lastPreparing = now;
    }
    for (const l of listeners) {
      try {
        l(e);
      } catch {
        /* a listener's bug must not stop the sweep */
      }
    }
  };

  const done = (async (): Promise<SweepFinalEvent> => {
    const t0 = Date.now();
    let store: Store | undefined;
    let id: number | null = null;
    let poll: NodeJS.Timeout | undefined;
    try {
      store = openStore(env.dbPath);
      const K = req.folds;
      const resumed = req.resumeSweepId !== undefined ? store.sweeps.require(req.resumeSweepId) : undefined;
      if (resumed?.status === 'completed') throw new SerError('bad-input', `sweep ${resumed.id} is completed; nothing to resume`);
      // Opening the store marked a sweep whose process died `interrupted`: one still running has a live driver.
      if (resumed?.status === 'running') throw new SerError('bad-input', `sweep ${resumed.id} is running in process ${resumed.pid ?? '?'}${resumed.host ? ` on ${resumed.host}` : ''}; stop it (ser sweep cancel ${resumed.id}) before resuming it`);
      const name = resumed?.name ?? req.name ?? `${basename(resolve(req.data))} sweep ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`;
      // Preflight, before anything is recorded: the data exists and, with folds, has the speakers for them.
      const scan = await scanDataset(req.data, {
        includeSong: req.trials.some((t) => t.options.includeSong),
        statCacheFile: statCachePath(env.dataDir, req.data),
        onProgress: (d, t) => emit({ event: 'sweep-preparing', stage: 'scan', done: d, total: t }),
      });
      const files = usableFiles(scan.files);
      if (files.length === 0) throw new SerError('bad-input', `${req.data}: no usable audio files; run \`ser dataset scan\` to see why`);
      const storedFingerprint = (resumed?.config as { datasetFingerprint?: unknown } | undefined)?.datasetFingerprint;
      if (typeof storedFingerprint === 'string' && storedFingerprint !== scan.summary.fingerprint) {
        throw new SerError('bad-input', `the dataset in ${req.data} changed since sweep ${resumed!.id} started (fingerprint differs); its trials would not be comparable — start a new sweep`);
      }
      let foldSplit: ((fold: number) => SpeakerSplitSpec) | undefined;
      let valSpeakerCount: number | undefined;
      if (K >= 2) {
        if (files.some((f) => !f.speaker)) throw new SerError('bad-input', `${req.data}: folds split by speaker, and this dataset has files without one`);
        const speakers = new Set(files.map((f) => f.speaker)).size;
        if (K > speakers) throw new SerError('bad-input', `${K} folds need at least ${K} speakers; ${req.data} has ${speakers}`);
        const count = req.valSpeakers ?? defaultValSpeakerCount(speakers, K);
        valSpeakerCount = count;
        foldSplit = (fold) => ({ kind: 'speaker', seed: req.splitSeed, folds: K, fold, valSpeakerCount: count });
      }

      // On resume, which trials train again and how — decided (or refused) before the sweep is claimed.
      const again = new Map<number, { resumeRunId?: number } | 'done'>();
      for (const trial of resumed ? store.sweeps.trials(resumed.id) : []) {
        if (trial.status === 'completed') continue;
        const run = trial.runId !== null ? store.runs.get(trial.runId) : undefined;
        // Its run finished after the sweep's process last wrote the trial down: nothing to train again.
        if (run?.status === 'completed' && store.evaluations.listForRun(run.id, 'test').length) again.set(trial.id, 'done');
        else if (run && (run.status === 'running' || run.status === 'queued')) throw new SerError('bad-input', `trial ${trial.id} (run ${run.id}) is ${run.status} in another process; stop it before resuming the sweep`);
        else again.set(trial.id, run?.status === 'interrupted' ? { resumeRunId: run.id } : {});
      }

      let sweep: SweepRecord;
      if (resumed) {
        store.sweeps.setStatus(resumed.id, 'running');
        sweep = store.sweeps.setQueue(resumed.id, runner.queue);
      } else {
        sweep = store.sweeps.create({
          name,
          space: req.space,
          config: { ...req.config, data: req.data, folds: K, ...(valSpeakerCount !== undefined ? { valSpeakers: valSpeakerCount } : {}), datasetFingerprint: scan.summary.fingerprint },
          folds: K,
          queue: runner.queue,
          trials: req.trials.map(({ recipe, params, fold }) => ({ recipe, params, fold })),
        });
      }
      id = sweep.id;
      resolveId(sweep.id);
      const stored = new Map(store.sweeps.trials(sweep.id).map((t) => [`${t.recipe}:${t.fold}`, t]));
      const jobs: TrialJob[] = [];
      for (const t of req.trials) {
        const trial = stored.get(`${t.recipe}:${t.fold}`);
        if (!trial) throw new SerError('internal', `sweep ${sweep.id} has no trial for recipe ${t.recipe}, fold ${t.fold}`);
        let resumeRunId: number | undefined;
        if (resumed) {
          const how = again.get(trial.id);
          if (how === undefined) continue; // completed
          store.sweeps.updateTrial(trial.id, { status: how === 'done' ? 'completed' : 'queued', error: null });
          if (how === 'done') continue;
          resumeRunId = how.resumeRunId;
        }
        jobs.push({
          sweepId: sweep.id,
          trialId: trial.id,
          recipe: t.recipe,
          fold: t.fold,
          params: t.params,
          recipeSpec: t.recipeSpec,
          options: { ...t.options, name: trialName(name, t.params, t.fold, K), ...(foldSplit ? { split: foldSplit(t.fold) } : {}) },
          ...(resumeRunId !== undefined ? { resumeRunId } : {}),
          priorAttempts: trial.attempts,
        });
      }
      const lanes = Math.max(1, Math.min(runner.lanes, jobs.length));
      emit({
        event: 'sweep-started',
        sweepId: sweep.id,
        name,
        trials: req.trials.length,
        recipes: new Set(req.trials.map((j) => j.recipe)).size,
        folds: K,
        queue: runner.queue,
        lanes,
        resumed: resumed !== undefined,
        toRun: jobs.length,
      });

      const s = store;
      // Another process may ask this sweep to stop (it cannot signal us): the request is a row in the database.
      const sweepId = sweep.id;
      poll = setInterval(() => {
        try {
          if (!stopKind && s.sweeps.get(sweepId)?.cancelRequestedAt) stop();
        } catch {
          /* a busy database: ask again next time */
        }
      }, CANCEL_POLL_MS);
      const runTrial = async (job: TrialJob) => {
        const tag = { sweepId: job.sweepId, trialId: job.trialId, recipe: job.recipe, fold: job.fold };
        const final = await runner.run(job, {
          started(worker, attempt) {
            const n = job.priorAttempts + attempt;
            s.sweeps.updateTrial(job.trialId, { status: 'running', worker, attempts: n });
            emit({ event: 'trial-started', ...tag, params: job.params, worker, attempt: n });
          },
          recorded(runId) {
            s.sweeps.updateTrial(job.trialId, { runId });
          },
          event(e) {
            emit({ ...e, ...tag });
          },
        });
        const status = final.event === 'finished' ? 'completed' : final.event === 'cancelled' ? 'cancelled' : 'failed';
        s.sweeps.updateTrial(job.trialId, { status, error: final.event === 'failed' ? final.error : null });
      };
      const queue = [...jobs];
      const lane = async () => {
        while (!stopKind && queue.length) await runTrial(queue.shift()!);
      };
      await Promise.all(Array.from({ length: lanes }, lane));
      clearInterval(poll);
      await stopping; // a cancel under way has told every runner

      for (const t of store.sweeps.trials(sweep.id)) if (t.status === 'queued' || t.status === 'running') store.sweeps.updateTrial(t.id, { status: 'cancelled' });
      if (stopKind) {
        store.sweeps.setStatus(sweep.id, stopKind === 'interrupt' ? 'interrupted' : 'cancelled');
        return { event: 'cancelled', sweepId: sweep.id, interrupted: stopKind === 'interrupt' };
      }
      const rows = sweepTrialRows(store, sweep.id);
      const summary = recipeSummaries(rows);
      const completed = rows.filter((r) => r.status === 'completed').length;
      const failed = rows.length - completed;
      const best = bestRecipe(summary);
      const status = failed === 0 ? 'completed' : 'failed';
      store.sweeps.setStatus(sweep.id, status, failed ? { error: `${failed} of ${rows.length} trials did not complete` } : {});
      return { event: 'finished', sweepId: sweep.id, status, trials: rows.length, completed, failed, best, summary, durationMs: Date.now() - t0 };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (id !== null && store) {
        try {
          if (store.sweeps.get(id)?.status === 'running') store.sweeps.setStatus(id, 'failed', { error: message });
        } catch {
          /* keep the original error */
        }
      }
      rejectId(err instanceof Error ? err : new Error(message));
      return { event: 'failed', sweepId: id, error: message };
    } finally {
      clearInterval(poll);
      await runner.close().catch(() => undefined);
      store?.close();
    }
  })().then((final) => {
    emit(final);
    return final;
  });

  return {
    sweepId,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async cancel() {
      await stop();
      await done;
    },
    async interrupt() {
      await stop('interrupt');
      await done;
    },
    done,
  };
}

/** Local trials at once by default: one per two cores (each trains data-parallel on its share), at least one. */
export function defaultLocalLanes(): number {
  return Math.max(1, Math.floor(availableParallelism() / 2));
}

/**
 * Trials trained in this process, `lanes` at once, through the same training session as `ser train`; each gets
 * cores / lanes data-parallel workers unless its options say.
 */
export function localTrials(env: TrainingEnv, opts: { lanes?: number } = {}): TrialRunner {
  const lanes = opts.lanes ?? defaultLocalLanes();
  const workers = Math.max(1, Math.floor(availableParallelism() / lanes));
  const active = new Set<TrainingHandle>();
  let stopped = false;
  return {
    lanes,
    queue: null,
    async run(job, report) {
      if (stopped) return { event: 'cancelled', runId: -1, epoch: 0 };
      const options = { ...job.options, workers: job.options.workers ?? workers };
      report.started('local', 1);
      const where = { dbPath: env.dbPath, dataDir: env.dataDir, extractWorkers: options.workers };
      // An interrupted trial continues its run from the last checkpoint, with the worker count it started with.
      const h = job.resumeRunId !== undefined ? startTraining(undefined, { ...where, resumeRunId: job.resumeRunId }) : startTraining(options, where);
      active.add(h);
      h.runId.then((id) => report.recorded(id)).catch(() => undefined);
      h.onEvent((e) => report.event(e));
      try {
        return await h.done;
      } finally {
        active.delete(h);
      }
    },
    async cancel() {
      stopped = true;
      await Promise.all([...active].map((h) => h.cancel()));
    },
    async interrupt() {
      stopped = true;
      await Promise.all([...active].map((h) => h.interrupt()));
    },
    async close() {},
  };
}
