/** The cross-validation summary, hand-computed: mean ± sample sd over folds, and the pooled confusion matrix. */
import { describe, expect, it } from 'vitest';
import { sampleSd, summarizeFolds, type FoldResult } from '../../electron/engine/training/cvSummary.js';

/** An 8×8 matrix with the given [true, predicted, count] cells. */
function matrix(cells: Array<[number, number, number]>): number[][] {
  const m = Array.from({ length: 8 }, () => new Array<number>(8).fill(0));
  for (const [t, p, n] of cells) m[t]![p]! += n;
  return m;
}

describe('summarizeFolds', () => {
  // Fold 0: class 0 → 3 right, 1 wrong (as 1); class 1 → 2 right. Fold 1: class 1 → 1 right, 1 wrong (as 0); class 2 → 2 right.
  const folds: FoldResult[] = [
    { fold: 1, runId: 8, accuracy: 0.75, uar: 0.5, macroF1: 0.4, confusion: matrix([[1, 1, 1], [1, 0, 1], [2, 2, 2]]) },
    { fold: 0, runId: 7, accuracy: 5 / 6, uar: 0.875, macroF1: 0.8, confusion: matrix([[0, 0, 3], [0, 1, 1], [1, 1, 2]]) },
  ];
  const s = summarizeFolds(folds);

  it('orders folds and gives mean ± sample standard deviation (n − 1)', () => {
    expect(s.perFold.map((f) => [f.fold, f.runId, f.testFiles])).toEqual([[0, 7, 6], [1, 8, 4]]);
    expect(s.mean.accuracy).toBeCloseTo((0.75 + 5 / 6) / 2, 12);
    expect(s.sd.accuracy).toBeCloseTo(Math.abs(5 / 6 - 0.75) / Math.SQRT2, 12);
    expect(s.mean.uar).toBeCloseTo(0.6875, 12);
    expect(s.sd.macroF1).toBeCloseTo(0.4 / Math.SQRT2, 12);
  });

  it('pools the confusion matrices and computes accuracy and UAR from the sum', () => {
    expect(s.pooled.confusion).toEqual(matrix([[0, 0, 3], [0, 1, 1], [1, 1, 3], [1, 0, 1], [2, 2, 2]]));
    expect(s.pooled.accuracy).toBeCloseTo(8 / 10, 12); // (3 + 3 + 2) right of 10
    expect(s.pooled.uar).toBeCloseTo((3 / 4 + 3 / 4 + 2 / 2) / 3, 12);
  });

  it('has no spread for one value and refuses an empty list', () => {
    expect(sampleSd([0.3])).toBe(0);
    expect(sampleSd([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(() => summarizeFolds([])).toThrow(/at least one fold/);
  });
});
