/**
 * Classification metrics as the SER literature reports them, with scikit-learn's conventions:
 * accuracy (a.k.a. weighted accuracy, WA), unweighted average recall (UAR = balanced accuracy: the mean recall
 * over classes present in the truth), macro F1 (mean over classes present in truth or prediction) and weighted F1
 * (by support); undefined precision/recall (no predictions / no samples) count as 0, like zero_division=0.
 * `averageOver` restricts UAR and macro F1 to some classes, like scikit-learn's `labels=`: a corpus without
 * `calm` (TESS, CREMA-D) is then not charged a 0 for a class it cannot contain, while a prediction of `calm`
 * still counts as an error in the recall of the true class (and in accuracy).
 */
import { EMOTIONS, type Emotion } from '../../shared/labels.js';
import type { ClassMetrics, Metrics } from './types.js';

export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, nClasses: number): number[][] {
  if (yTrue.length !== yPred.length) throw new RangeError(`metrics: ${yTrue.length} labels but ${yPred.length} predictions`);
  const m = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i]!;
    const p = yPred[i]!;
    if (!(t >= 0 && t < nClasses && p >= 0 && p < nClasses)) throw new RangeError(`metrics: class index out of range at ${i} (${t}, ${p})`);
    m[t]![p]!++;
  }
  return m;
}

export interface MetricsOptions {
  /** Class indices UAR and macro F1 average over; default: present in the truth (UAR) / in truth or prediction (F1). */
  averageOver?: readonly number[];
}

export function computeMetrics(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, labels: readonly Emotion[] = EMOTIONS, opts: MetricsOptions = {}): Metrics {
  return metricsFromConfusion(confusionMatrix(yTrue, yPred, labels.length), labels, opts);
}

/** The same metrics from a confusion matrix (confusion[true][predicted] counts), e.g. one pooled over folds. */
export function metricsFromConfusion(confusion: number[][], labels: readonly Emotion[] = EMOTIONS, opts: MetricsOptions = {}): Metrics {
  const k = labels.length;
  if (confusion.length !== k || confusion.some((row) => row.length !== k)) throw new RangeError(`metrics: the confusion matrix must be ${k}×${k}`);
  const only = opts.averageOver ? new Set(opts.averageOver) : undefined;
  if (only) for (const c of only) if (!(Number.isInteger(c) && c >= 0 && c < k)) throw new RangeError(`metrics: class index ${c} to average over is out of range`);
  let total = 0;
  for (const row of confusion) for (const v of row) total += v;
  let correct = 0;
  for (let c = 0; c < k; c++) correct += confusion[c]![c]!;
  const perClass = {} as Record<Emotion, ClassMetrics>;
  const recalls: number[] = [];
  const f1s: number[] = [];
  let weightedF1 = 0;
  for (let c = 0; c < k; c++) {
    const tp = confusion[c]![c]!;
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    let predicted = 0;
    for (let r = 0; r < k; r++) predicted += confusion[r]![c]!;
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perClass[labels[c]!] = { precision, recall, f1, support };
    if (only ? only.has(c) : support > 0) recalls.push(recall);
    if (only ? only.has(c) : support > 0 || predicted > 0) f1s.push(f1);
    weightedF1 += f1 * support;
  }
  const confusionNormalized = confusion.map((row) => {
    const s = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (s ? v / s : 0));
  });
  return {
    accuracy: total ? correct / total : 0,
    uar: recalls.length ? recalls.reduce((a, b) => a + b, 0) / recalls.length : 0,
    macroF1: f1s.length ? f1s.reduce((a, b) => a + b, 0) / f1s.length : 0,
    weightedF1: total ? weightedF1 / total : 0,
    labels,
    confusion,
    confusionNormalized,
    perClass,
  };
}
