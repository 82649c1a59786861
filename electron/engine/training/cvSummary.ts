/**
 * The figures a cross-validation reports: mean ± sample standard deviation over folds of each fold's test accuracy,
 * UAR and macro F1, and the pooled confusion matrix (the sum of the folds' test confusions: every file of the dataset
 * tested once, by the model that never heard its speaker) with the accuracy, UAR and macro F1 computed from it.
 */
import { EMOTIONS } from '../../shared/labels.js';
import type { CvSummary, FoldMetrics } from '../store/types.js';
import { metricsFromConfusion } from './metrics.js';

export interface FoldResult extends FoldMetrics {
  fold: number;
  runId: number;
  /** confusion[true][predicted] of the fold's test part. */
  confusion: number[][];
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n − 1), the spread of a fold's score around the mean; 0 for one value. */
export function sampleSd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

export function summarizeFolds(results: readonly FoldResult[]): CvSummary {
  if (results.length === 0) throw new RangeError('a cross-validation summary needs at least one fold');
  const sorted = [...results].sort((a, b) => a.fold - b.fold);
  const n = EMOTIONS.length;
  const pooled = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (const r of sorted) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) pooled[i]![j]! += r.confusion[i]?.[j] ?? 0;
  const p = metricsFromConfusion(pooled);
  const over = (k: keyof FoldMetrics) => sorted.map((r) => r[k]);
  const stat = (f: (xs: number[]) => number): FoldMetrics => ({ accuracy: f(over('accuracy')), uar: f(over('uar')), macroF1: f(over('macroF1')) });
  return {
    folds: sorted.length,
    perFold: sorted.map((r) => ({ fold: r.fold, runId: r.runId, accuracy: r.accuracy, uar: r.uar, macroF1: r.macroF1, testFiles: r.confusion.flat().reduce((a, b) => a + b, 0) })),
    mean: stat(mean),
    sd: stat(sampleSd),
    pooled: { accuracy: p.accuracy, uar: p.uar, macroF1: p.macroF1, confusion: pooled },
  };
}
