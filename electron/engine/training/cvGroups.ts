/**
 * Reading cross-validation groups back from the store: the current run of each fold, the summary over folds, and
 * the group with its fold runs as `ser cv show` and the app present it. No training code here (cheap to import).
 */
import type { Store } from '../store/index.js';
import type { CvSummary, RunGroupRecord, RunStatus, RunSummary } from '../store/types.js';
import { summarizeFolds, type FoldResult } from './cvSummary.js';

/** The newest run of each fold (a fold retried after a failure has several). */
export function latestFoldRuns(store: Store, groupId: number): Map<number, RunSummary> {
  const byFold = new Map<number, RunSummary>();
  for (const r of store.runs.list({ groupId })) {
    if (r.fold === null) continue;
    const prev = byFold.get(r.fold);
    if (!prev || prev.id < r.id) byFold.set(r.fold, r);
  }
  return byFold;
}

/** The summary over a group's folds, from the stored test evaluations; undefined while a fold has none. */
export function groupSummary(store: Store, groupId: number, folds: number): CvSummary | undefined {
  const latest = latestFoldRuns(store, groupId);
  const results: FoldResult[] = [];
  for (let k = 0; k < folds; k++) {
    const run = latest.get(k);
    const test = run && run.status === 'completed' ? store.evaluations.listForRun(run.id, 'test').at(-1) : undefined;
    if (!run || !test) return undefined;
    results.push({ fold: k, runId: run.id, accuracy: test.accuracy, uar: test.uar, macroF1: test.macroF1, confusion: test.confusion });
  }
  return summarizeFolds(results);
}

export interface CvFoldRun {
  fold: number;
  runId: number;
  name: string;
  status: RunStatus;
  epochsDone: number;
  durationMs: number | null;
  backend: string | null;
  trainSpeakers: string[];
  valSpeakers: string[];
  testSpeakers: string[];
  /** The fold's test evaluation, once it has finished. */
  test: { accuracy: number; uar: number; macroF1: number; confusion: number[][] } | null;
}

export interface CvGroupDetail extends RunGroupRecord {
  /** The current run of each fold that has one, in fold order. */
  runs: CvFoldRun[];
}

export function groupDetail(store: Store, group: RunGroupRecord): CvGroupDetail {
  const runs = [...latestFoldRuns(store, group.id).values()]
    .sort((a, b) => a.fold! - b.fold!)
    .map((r): CvFoldRun => {
      const t = store.evaluations.listForRun(r.id, 'test').at(-1);
      return {
        fold: r.fold!,
        runId: r.id,
        name: r.name,
        status: r.status,
        epochsDone: r.epochsDone,
        durationMs: r.durationMs,
        backend: r.backend,
        trainSpeakers: r.split?.trainSpeakers ?? [],
        valSpeakers: r.split?.valSpeakers ?? [],
        testSpeakers: r.split?.testSpeakers ?? [],
        test: t ? { accuracy: t.accuracy, uar: t.uar, macroF1: t.macroF1, confusion: t.confusion } : null,
      };
    });
  return { ...group, runs };
}
