/**
 * Runs: the experiments table (runs and cross-validation groups), one run's details, tags/notes/rename, delete,
 * compare, results, the paper's table. The app (over IPC and HTTP) and `ser runs` both call it.
 */
import { SerError } from '../shared/errors.js';
import type { MethodOutputs, PaperTable, RunDetail, RunGroupRow, RunResults, RunRow } from '../contract/types.js';
import { buildPaperTable } from '../engine/results/paperTable.js';
import { loadRunResults, type RunSelection } from '../engine/results/runSelection.js';
import type { EpochRecord, EvaluationRecord, RunRecord } from '../engine/store/types.js';
import { latestFoldRuns } from '../engine/training/cvGroups.js';
import type { ServiceContext } from './context.js';
import type { TrainingService } from './training.js';

/** What the runs service asks of training: whether a run trains in this process, and a run's misclassified clips. */
export type TrainingLookup = Pick<TrainingService, 'activeFor' | 'misclassified'>;

/** For a process that trains nothing (the command line): no run is active here, no clips are looked up. */
export const NO_TRAINING: TrainingLookup = { activeFor: () => undefined, misclassified: () => null };

/** A run as stored, with its epochs and evaluations. */
export type RunRecordDetail = RunRecord & { epochs: EpochRecord[]; evaluations: EvaluationRecord[] };

export class RunsService {
  constructor(
    private readonly ctx: Pick<ServiceContext, 'store'>,
    private readonly training: TrainingLookup,
  ) {}

  /** Runs newest first (with a tag: those carrying it), with their test figures, dataset and split. */
  list(opts: { tag?: string } = {}): RunRow[] {
    const { store } = this.ctx;
    const names = new Map(store.datasets.list().map((d) => [d.id, d.name]));
    return store.runs.list(opts.tag ? { tag: opts.tag } : {}).map((r) => {
      const test = store.evaluations.listForRun(r.id, 'test').at(-1);
      const cfg = (r.config ?? {}) as { epochs?: unknown; split?: { kind?: unknown } };
      return {
        ...r,
        uar: test?.uar ?? null,
        macroF1: test?.macroF1 ?? null,
        datasetName: r.datasetId === null ? null : (names.get(r.datasetId) ?? null),
        splitKind: typeof cfg.split?.kind === 'string' ? cfg.split.kind : typeof r.split?.kind === 'string' ? r.split.kind : null,
        epochsPlanned: typeof cfg.epochs === 'number' ? cfg.epochs : null,
      };
    });
  }

  /** Cross-validation groups, newest first, with the figures of their current fold runs. */
  groups(): RunGroupRow[] {
    const { store } = this.ctx;
    const names = new Map(store.datasets.list().map((d) => [d.id, d.name]));
    return store.groups.list().map((g) => {
      const runs = [...latestFoldRuns(store, g.id).values()].sort((a, b) => (a.fold ?? 0) - (b.fold ?? 0));
      const durations = runs.map((r) => r.durationMs).filter((d): d is number => d !== null);
      const datasetId = runs.find((r) => r.datasetId !== null)?.datasetId ?? null;
      const epochs = (g.config as { train?: { epochs?: unknown } } | null)?.train?.epochs;
      const { config: _config, pid: _pid, host: _host, ...row } = g;
      void [_config, _pid, _host];
      return {
        ...row,
        runIds: runs.map((r) => r.id),
        foldsCompleted: runs.filter((r) => r.status === 'completed').length,
        datasetName: datasetId === null ? null : (names.get(datasetId) ?? null),
        epochsPlanned: typeof epochs === 'number' ? epochs : null,
        epochsDone: runs.reduce((a, r) => a + r.epochsDone, 0),
        durationMs: durations.length ? durations.reduce((a, b) => a + b, 0) : null,
        backend: runs.find((r) => r.backend !== null)?.backend ?? null,
      };
    });
  }

  /** Runs and cross-validation groups; with a tag, the runs carrying it and the groups some of whose folds do. */
  history(tag?: string): { runs: RunRow[]; groups: RunGroupRow[] } {
    const runs = this.list(tag ? { tag } : {});
    const groups = this.groups().filter((g) => !tag || runs.some((r) => r.groupId === g.id));
    return { runs, groups };
  }

  /** A run as stored, with its epochs and evaluations (`ser runs show --json`, `ser runs export`). */
  record(id: number): RunRecordDetail {
    const { store } = this.ctx;
    return { ...store.runs.require(id), epochs: store.runs.epochs(id), evaluations: store.evaluations.listForRun(id) };
  }

  detail(id: number): RunDetail {
    const { store } = this.ctx;
    const summary = this.list().find((r) => r.id === id);
    if (!summary) throw new SerError('not-found', `no run with id ${id}`, { id });
    const active = this.training.activeFor(id);
    return {
      run: summary,
      epochs: store.runs.epochs(id),
      evaluations: store.evaluations.listForRun(id),
      models: store.models.listForRun(id),
      dataset: summary.datasetId === null ? null : (store.datasets.get(summary.datasetId) ?? null),
      active: active !== undefined,
      paused: active?.paused ?? false,
    };
  }

  results(id: number): RunResults {
    const d = this.detail(id);
    const latest = (split: 'val' | 'test') => [...d.evaluations].reverse().find((e) => e.split === split) ?? null;
    return { ...d, test: latest('test'), val: latest('val'), misclassified: this.training.misclassified(d) };
  }

  compare(ids: number[]): RunDetail[] {
    return [...new Set(ids)].map((id) => this.detail(id));
  }

  paperTable(selection: RunSelection): PaperTable {
    return buildPaperTable(loadRunResults(this.ctx.store, selection));
  }

  delete(id: number): { deleted: boolean } {
    if (this.training.activeFor(id)) throw new SerError('bad-input', `run ${id} is training: cancel it before deleting it`, { id });
    this.ctx.store.runs.require(id);
    return { deleted: this.ctx.store.runs.delete(id) };
  }

  tag(id: number, add: string[] = [], remove: string[] = []): MethodOutputs['tagRun'] {
    const runs = this.ctx.store.runs;
    runs.require(id);
    if (add.length) runs.addTags(id, add);
    for (const t of remove) runs.removeTag(id, t);
    return runs.require(id);
  }

  /** Removes one tag; `removed` is false when the run did not have it. */
  untag(id: number, tag: string): { removed: boolean; run: RunRecord } {
    const runs = this.ctx.store.runs;
    runs.require(id);
    const removed = runs.removeTag(id, tag);
    return { removed, run: runs.require(id) };
  }

  note(id: number, notes: string | null): MethodOutputs['noteRun'] {
    this.ctx.store.runs.require(id);
    return this.ctx.store.runs.setNotes(id, notes && notes.trim() ? notes : null);
  }

  rename(id: number, name: string): MethodOutputs['renameRun'] {
    this.ctx.store.runs.require(id);
    return this.ctx.store.runs.update(id, { name });
  }
}
