/**
 * Speaker-independent k-fold cross-validation: one training run per fold of speakers, recorded as a run group.
 * Fold k tests on speaker group k (`speakerFolds`), validates on a few speakers of the following groups (so the
 * best epoch is chosen on unseen voices, not by training loss) and trains on the rest. Folds run one after another
 * through `startTraining` (each already uses every core), or `parallelFolds` at a time with the cores divided among
 * them; features come from the shared cache, so only the first fold computes them. The group then stores the
 * mean ± sd of the folds' test metrics and their pooled confusion matrix.
 *
 * Stop and resume: `interrupt()` (SIGTERM, app quitting) leaves the group and its running folds `interrupted`;
 * `cancel()` (Ctrl-C) leaves them `cancelled`. Resuming a group that is not completed continues its interrupted fold
 * runs from their checkpoints, starts again the folds whose run failed or was cancelled, and starts the rest.
 */
import { basename, resolve } from 'node:path';
import { scanDataset, statCachePath, usableFiles } from '../dataset/scan.js';
import { defaultValSpeakerCount, makeSplit, type SpeakerSplitSpec, type Split } from '../dataset/splits.js';
import { SerError } from '../../shared/errors.js';
import { openStore, type Store } from '../store/index.js';
import type { CvSummary } from '../store/types.js';
import { groupSummary, latestFoldRuns } from './cvGroups.js';
import { defaultTrainingWorkers, startTraining, type StartOptions } from './session.js';
import type { TrainEvent, TrainingEnv, TrainingHandle, TrainOptions } from './types.js';

export interface CvRequest {
  /** Training options every fold shares; their `split` is replaced by the fold's (its seed is `seed`). */
  train: TrainOptions;
  folds: number;
  /** Validation speakers per fold, from the next folds (default: `defaultValSpeakerCount`). */
  valSpeakers?: number;
  /** Folds trained side by side (default 1); each then gets cores / parallelFolds workers unless `train.workers` says. */
  parallelFolds?: number;
  name?: string;
}

/** What a group stores as its config: everything needed to (re)start any of its folds. */
export interface CvConfig {
  /** With workers resolved; `split` is the k-fold spec without its fold index. */
  train: TrainOptions & { split: SpeakerSplitSpec };
  folds: number;
  valSpeakers: number;
  parallelFolds: number;
}

export interface CvStartOptions extends TrainingEnv {
  /** Continue this group instead of starting one (its stored config is used). */
  resumeGroupId?: number;
  /** On resume: another worker count per fold, or another number of folds side by side. Stored in the group. */
  resumeOverrides?: { workers?: number; parallelFolds?: number };
}

export type CvFoldEvent = TrainEvent & { groupId: number; fold: number };

export interface CvFinished {
  event: 'finished';
  groupId: number;
  folds: number;
  mean: CvSummary['mean'];
  sd: CvSummary['sd'];
  pooled: CvSummary['pooled'];
  /** The fold runs, in fold order. */
  runs: number[];
}

/** The group's own events carry no `fold`; every fold's training event is forwarded with `groupId` and `fold`. */
export type CvGroupEvent =
  | { event: 'cv-preparing'; groupId: number | null; stage: 'scan'; done: number; total: number }
  | {
      event: 'cv-started';
      groupId: number;
      name: string;
      folds: number;
      resumed: boolean;
      /** Folds this session trains (the others are done). */
      toRun: number[];
      parallelFolds: number;
      workersPerFold: number;
      valSpeakers: number;
      /** Per fold: its test, validation and training speakers. */
      speakers: Array<{ test: string[]; val: string[]; train: string[] }>;
    }
  | CvFinished
  | { event: 'failed'; groupId: number | null; error: string }
  | { event: 'cancelled'; groupId: number; interrupted: boolean };

export type CvEvent = CvFoldEvent | CvGroupEvent;
export type CvFinalEvent = Extract<CvGroupEvent, { event: 'finished' | 'failed' | 'cancelled' }>;

export function isFoldEvent(e: CvEvent): e is CvFoldEvent {
  return 'fold' in e;
}

export interface CvHandle {
  /** Resolves once the group is recorded (or found, on resume). */
  readonly groupId: Promise<number>;
  onEvent(listener: (e: CvEvent) => void): () => void;
  /** Cancels the running folds (their runs and the group become `cancelled`); no further fold starts. */
  cancel(): Promise<void>;
  /** Checkpoints and stops the running folds: runs and group `interrupted`, resumable. */
  interrupt(): Promise<void>;
  readonly done: Promise<CvFinalEvent>;
}

/** The split of fold k: the group's k-fold spec with its index. */
export function foldSplit(config: CvConfig, fold: number): SpeakerSplitSpec {
  return { ...config.train.split, fold };
}

function foldOptions(config: CvConfig, groupName: string, fold: number): TrainOptions {
  return { ...config.train, name: `${groupName} · fold ${fold + 1}/${config.folds}`, split: foldSplit(config, fold) };
}

function resolveConfig(req: CvRequest): CvConfig {
  const K = req.folds;
  if (!(Number.isInteger(K) && K >= 2)) throw new SerError('bad-input', `cross-validation needs at least 2 folds, got ${K}`);
  const parallelFolds = req.parallelFolds ?? 1;
  if (!(Number.isInteger(parallelFolds) && parallelFolds >= 1)) throw new SerError('bad-input', `parallel folds must be a positive integer, got ${parallelFolds}`);
  const workers = req.train.workers ?? Math.max(1, Math.floor(defaultTrainingWorkers() / Math.min(parallelFolds, K)));
  const split: SpeakerSplitSpec = { kind: 'speaker', seed: req.train.seed, folds: K };
  // Each fold is named after the group; -1 = "default validation speakers", resolved once the speakers are known.
  const { name: _perRun, ...train } = req.train;
  void _perRun;
  return { train: { ...train, workers, split }, folds: K, valSpeakers: req.valSpeakers ?? -1, parallelFolds };
}

export function startCrossValidation(req: CvRequest | undefined, env: CvStartOptions): CvHandle {
  const listeners = new Set<(e: CvEvent) => void>();
  let startedEvent: CvGroupEvent | undefined;
  const active = new Set<TrainingHandle>();
  let stopKind: 'cancel' | 'interrupt' | undefined;
  let resolveGroupId!: (id: number) => void;
  let rejectGroupId!: (err: Error) => void;
  const groupId = new Promise<number>((res, rej) => {
    resolveGroupId = res;
    rejectGroupId = rej;
  });
  groupId.catch(() => undefined);

  let lastPreparing = 0;
  const emit = (e: CvEvent) => {
    if (e.event === 'cv-preparing') {
      const now = Date.now();
      if (e.done < e.total && now - lastPreparing < 200) return;
      lastPreparing = now;
    }
    if (e.event === 'cv-started') startedEvent = e;
    for (const l of listeners) {
      try {
        l(e);
      } catch {
        /* a listener's bug must not stop the folds */
      }
    }
  };

  const done = (async (): Promise<CvFinalEvent> => {
    let store: Store | undefined;
    let id: number | null = null;
    try {
      store = openStore(env.dbPath);
      const resumed = env.resumeGroupId !== undefined;
      let config: CvConfig;
      let name: string;
      if (resumed) {
        const g = store.groups.require(env.resumeGroupId!);
        if (g.status === 'completed') throw new SerError('bad-input', `run group ${g.id} is completed; nothing to resume`);
        if (store.groups.isDriven(g.id)) throw new SerError('bad-input', `run group ${g.id} is running in process ${g.pid ?? '?'}; stop it before resuming it`);
        config = g.config as CvConfig;
        const o = env.resumeOverrides ?? {};
        if (o.workers !== undefined) config = { ...config, train: { ...config.train, workers: o.workers } };
        if (o.parallelFolds !== undefined) config = { ...config, parallelFolds: o.parallelFolds };
        name = g.name;
        id = g.id;
      } else {
        if (!req) throw new SerError('bad-input', 'cross-validation options are required');
        config = resolveConfig(req);
        name = req.name ?? `${basename(resolve(req.train.data))} cv ${config.folds} folds ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`;
      }

      // Preflight, before anything is recorded: the dataset has enough speakers and every fold splits.
      const scan = await scanDataset(config.train.data, {
        includeSong: Boolean(config.train.includeSong),
        statCacheFile: statCachePath(env.dataDir, config.train.data),
        onProgress: (d, t) => emit({ event: 'cv-preparing', groupId: id, stage: 'scan', done: d, total: t }),
      });
      const files = usableFiles(scan.files);
      if (files.length === 0) throw new SerError('bad-input', `${config.train.data}: no usable audio files; run \`ser dataset scan\` to see why`);
      if (files.some((f) => !f.speaker)) throw new SerError('bad-input', `${config.train.data}: cross-validation by speaker needs the speaker of every file, and this dataset has files without one`);
      const speakerCount = new Set(files.map((f) => f.speaker)).size;
      if (config.folds > speakerCount) throw new SerError('bad-input', `${config.folds} folds need at least ${config.folds} speakers; ${config.train.data} has ${speakerCount}`);
      if (config.valSpeakers < 0) config = { ...config, valSpeakers: defaultValSpeakerCount(speakerCount, config.folds) };
      config = { ...config, train: { ...config.train, split: { ...config.train.split, valSpeakerCount: config.valSpeakers } } };
      const items = files.map((f) => ({ label: f.emotion!, speaker: f.speaker! }));
      const splits: Split[] = Array.from({ length: config.folds }, (_, k) => makeSplit(items, foldSplit(config, k)));

      if (resumed) {
        store.groups.update(id!, { config });
        store.groups.setStatus(id!, 'running');
      } else {
        id = store.groups.create({ kind: 'cv', name, config, folds: config.folds }).id;
      }
      const gid = id!;
      resolveGroupId(gid);

      // Which folds still need training, and how: resume an interrupted run, else start one.
      const latest = latestFoldRuns(store, gid);
      const todo: Array<{ fold: number; resumeRunId?: number }> = [];
      for (let k = 0; k < config.folds; k++) {
        const run = latest.get(k);
        if (run?.status === 'completed' && store.evaluations.listForRun(run.id, 'test').length) continue;
        if (run && (run.status === 'running' || run.status === 'queued')) throw new SerError('bad-input', `fold ${k + 1} (run ${run.id}) is ${run.status} in another process; stop it before resuming the group`);
        todo.push(run?.status === 'interrupted' ? { fold: k, resumeRunId: run.id } : { fold: k });
      }
      const parallel = Math.max(1, Math.min(config.parallelFolds, todo.length || 1));
      emit({
        event: 'cv-started',
        groupId: gid,
        name,
        folds: config.folds,
        resumed,
        toRun: todo.map((t) => t.fold),
        parallelFolds: parallel,
        workersPerFold: config.train.workers ?? 1,
        valSpeakers: config.valSpeakers,
        speakers: splits.map((s) => ({ test: s.testSpeakers, val: s.valSpeakers, train: s.trainSpeakers })),
      });

      let failure: string | undefined;
      const runFold = async (item: { fold: number; resumeRunId?: number }): Promise<TrainEvent> => {
        const start: StartOptions = {
          dbPath: env.dbPath,
          dataDir: env.dataDir,
          extractWorkers: config.train.workers ?? 1,
          ...(item.resumeRunId !== undefined
            ? { resumeRunId: item.resumeRunId, resumeOverrides: env.resumeOverrides?.workers !== undefined ? { workers: env.resumeOverrides.workers } : {} }
            : { group: { id: gid, fold: item.fold } }),
        };
        const h = startTraining(item.resumeRunId !== undefined ? undefined : foldOptions(config, name, item.fold), start);
        active.add(h);
        h.onEvent((e) => emit({ ...e, groupId: gid, fold: item.fold }));
        try {
          return await h.done;
        } finally {
          active.delete(h);
        }
      };
      const queue = [...todo];
      const lane = async () => {
        while (!stopKind && failure === undefined && queue.length) {
          const item = queue.shift()!;
          const final = await runFold(item);
          if (final.event === 'failed') failure ??= `fold ${item.fold + 1}: ${final.error}`;
          else if (final.event === 'cancelled' && !stopKind) failure ??= `fold ${item.fold + 1} (run ${final.runId}) was stopped from elsewhere`;
          // One fold failing ends the group: the folds beside it stop resumable, so a resume only redoes the failed one.
          if (failure !== undefined) for (const h of active) void h.interrupt();
        }
      };
      await Promise.all(Array.from({ length: parallel }, lane));

      if (failure !== undefined) {
        store.groups.setStatus(gid, 'failed', { error: failure });
        return { event: 'failed', groupId: gid, error: failure };
      }
      if (stopKind) {
        store.groups.setStatus(gid, stopKind === 'interrupt' ? 'interrupted' : 'cancelled');
        return { event: 'cancelled', groupId: gid, interrupted: stopKind === 'interrupt' };
      }
      const summary = groupSummary(store, gid, config.folds);
      if (!summary) throw new SerError('internal', `run group ${gid}: a fold has no test evaluation after training`);
      store.groups.update(gid, { summary });
      store.groups.setStatus(gid, 'completed');
      return { event: 'finished', groupId: gid, folds: summary.folds, mean: summary.mean, sd: summary.sd, pooled: summary.pooled, runs: summary.perFold.map((f) => f.runId) };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (id !== null && store) {
        try {
          if (store.groups.get(id)?.status === 'running') store.groups.setStatus(id, 'failed', { error: message });
        } catch {
          /* keep the original error */
        }
      }
      rejectGroupId(err instanceof Error ? err : new Error(message));
      return { event: 'failed', groupId: id, error: message };
    } finally {
      store?.close();
    }
  })().then((final) => {
    emit(final);
    return final;
  });

  const stop = async (kind: 'cancel' | 'interrupt') => {
    stopKind ??= kind;
    await Promise.all([...active].map((h) => (kind === 'interrupt' ? h.interrupt() : h.cancel())));
    await done;
  };

  return {
    groupId,
    onEvent(listener) {
      if (startedEvent) listener(startedEvent);
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    cancel: () => stop('cancel'),
    interrupt: () => stop('interrupt'),
    done,
  };
}
