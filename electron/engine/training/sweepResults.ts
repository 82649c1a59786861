/**
 * Reading a sweep back from the store: each trial with its run's best validation accuracy and test metrics, and the
 * summary per recipe (mean ± sample sd of test UAR over its completed folds) as `ser sweep show --json` and the app
 * present them. No training code here (cheap to import).
 */
import type { Store } from '../store/index.js';
import { TRIAL_STATUSES, type GroupStatus, type SweepRecord, type TrialStatus } from '../store/types.js';

/**
 * A trial's status as shown: the stored one, or `interrupted` while its run is — the run waits at a checkpoint for
 * `ser sweep --resume`, whatever the trial last wrote down (`cancelled` after SIGTERM, `running` if its process died).
 */
export type ShownTrialStatus = TrialStatus | 'interrupted';
export const SHOWN_TRIAL_STATUSES: readonly ShownTrialStatus[] = [...TRIAL_STATUSES, 'interrupted'];

export interface SweepTrialRow {
  id: number;
  params: Record<string, unknown>;
  fold: number;
  status: ShownTrialStatus;
  worker: string | null;
  runId: number | null;
  bestValAccuracy: number | null;
  testAccuracy: number | null;
  uar: number | null;
}

export interface SweepRecipeSummary {
  params: Record<string, unknown>;
  /** Folds with a test result. */
  folds: number;
  meanUar: number | null;
  /** Sample standard deviation (n − 1); null with fewer than 2 folds. */
  sdUar: number | null;
  meanAccuracy: number | null;
}

/** A sweep's status as shown: the stored one, or `cancelling` while a cancel request waits for its driver to stop. */
export type SweepStatus = GroupStatus | 'cancelling';

export function shownStatus(sweep: Pick<SweepRecord, 'status' | 'cancelRequestedAt'>): SweepStatus {
  return sweep.status === 'running' && sweep.cancelRequestedAt !== null ? 'cancelling' : sweep.status;
}

export interface SweepDetail {
  id: number;
  name: string;
  status: SweepStatus;
  trials: SweepTrialRow[];
  summary: SweepRecipeSummary[];
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const sd = (xs: number[]) => {
  if (xs.length < 2) return null;
  const m = mean(xs)!;
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};

export function sweepTrialRows(store: Store, sweepId: number): Array<SweepTrialRow & { recipe: number }> {
  return store.sweeps.trials(sweepId).map((t) => {
    let bestValAccuracy: number | null = null;
    let test: { accuracy: number; uar: number } | undefined;
    let interrupted = false;
    if (t.runId !== null) {
      interrupted = store.runs.get(t.runId)?.status === 'interrupted';
      for (const e of store.runs.epochs(t.runId)) if (e.valAccuracy !== null && (bestValAccuracy === null || e.valAccuracy > bestValAccuracy)) bestValAccuracy = e.valAccuracy;
      test = store.evaluations.listForRun(t.runId, 'test').at(-1);
    }
    return {
      recipe: t.recipe,
      id: t.id,
      params: t.params,
      fold: t.fold,
      status: interrupted ? 'interrupted' : t.status,
      worker: t.worker,
      runId: t.runId,
      bestValAccuracy,
      testAccuracy: test?.accuracy ?? null,
      uar: test?.uar ?? null,
    };
  });
}

/** Per recipe, in recipe order: its completed folds' mean ± sd of test UAR and mean accuracy. */
export function recipeSummaries(rows: ReadonlyArray<SweepTrialRow & { recipe: number }>): SweepRecipeSummary[] {
  const byRecipe = new Map<number, Array<SweepTrialRow & { recipe: number }>>();
  for (const r of rows) byRecipe.set(r.recipe, [...(byRecipe.get(r.recipe) ?? []), r]);
  return [...byRecipe.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, trials]) => {
      const done = trials.filter((t) => t.status === 'completed' && t.uar !== null);
      const uars = done.map((t) => t.uar!);
      return { params: trials[0]!.params, folds: done.length, meanUar: mean(uars), sdUar: sd(uars), meanAccuracy: mean(done.map((t) => t.testAccuracy!)) };
    });
}

export function sweepDetail(store: Store, sweep: SweepRecord): SweepDetail {
  const rows = sweepTrialRows(store, sweep.id);
  return { id: sweep.id, name: sweep.name, status: shownStatus(sweep), trials: rows.map(({ recipe: _r, ...t }) => t), summary: recipeSummaries(rows) };
}
