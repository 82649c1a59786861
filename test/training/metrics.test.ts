import { describe, expect, it } from 'vitest';
import { computeMetrics, confusionMatrix, metricsFromConfusion } from '../../electron/engine/training/metrics.js';
import { learningRateAt, parseSchedule } from '../../electron/engine/training/schedule.js';

describe('metrics (hand-computed)', () => {
  // 3 classes used out of 8. truth: 0,0,0,1,1,2 ; predicted: 0,0,1,1,2,2
  const yTrue = [0, 0, 0, 1, 1, 2];
  const yPred = [0, 0, 1, 1, 2, 2];
  const m = computeMetrics(yTrue, yPred);

  it('confusion matrix counts true × predicted', () => {
    const c = confusionMatrix(yTrue, yPred, 3);
    expect(c).toEqual([[2, 1, 0], [0, 1, 1], [0, 0, 1]]);
    expect(m.confusion[0]!.slice(0, 3)).toEqual([2, 1, 0]);
    expect(m.confusionNormalized[0]![0]).toBeCloseTo(2 / 3, 12);
    expect(m.confusionNormalized[7]).toEqual(new Array(8).fill(0));
  });
  it('accuracy = 4/6', () => expect(m.accuracy).toBeCloseTo(4 / 6, 12));
  it('per-class precision / recall / F1 / support', () => {
    // class 0: P = 2/2, R = 2/3, F1 = 0.8 ; class 1: P = 1/2, R = 1/2, F1 = 0.5 ; class 2: P = 1/2, R = 1, F1 = 2/3
    expect(m.perClass.neutral).toEqual({ precision: 1, recall: 2 / 3, f1: 0.8, support: 3 });
    expect(m.perClass.calm.precision).toBeCloseTo(0.5, 12);
    expect(m.perClass.calm.recall).toBeCloseTo(0.5, 12);
    expect(m.perClass.happy.f1).toBeCloseTo(2 / 3, 12);
    expect(m.perClass.sad).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
  });
  it('UAR averages recall over classes present in the truth (= balanced accuracy)', () => {
    expect(m.uar).toBeCloseTo((2 / 3 + 1 / 2 + 1) / 3, 12);
  });
  it('macro F1 over classes seen, weighted F1 by support', () => {
    expect(m.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    expect(m.weightedF1).toBeCloseTo((0.8 * 3 + 0.5 * 2 + (2 / 3) * 1) / 6, 12);
  });
  it('metricsFromConfusion gives the same figures from the matrix alone (pooled folds)', () => {
    expect(metricsFromConfusion(m.confusion)).toEqual(m);
    expect(() => metricsFromConfusion([[1]])).toThrow(/8×8/);
  });
  it('rejects mismatched lengths and bad indices', () => {
    expect(() => computeMetrics([0, 1], [0])).toThrow(/2 labels but 1 predictions/);
    expect(() => computeMetrics([9], [0])).toThrow(/out of range/);
  });
});

describe('metrics averaged over the classes a corpus has', () => {
  it('changes nothing when every class is present and averaged over', () => {
    // All 8 classes in the truth, a few confusions.
    const yTrue = [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7];
    const yPred = [0, 1, 2, 3, 4, 5, 6, 7, 1, 1, 3, 3, 4, 6, 6, 0];
    expect(computeMetrics(yTrue, yPred, undefined, { averageOver: [0, 1, 2, 3, 4, 5, 6, 7] })).toEqual(computeMetrics(yTrue, yPred));
  });

  it('leaves an absent class out of UAR and macro F1, while predicting it stays an error', () => {
    // Truth has no calm (1); one angry clip (4) is predicted calm.
    const yTrue = [0, 0, 4, 4];
    const yPred = [0, 0, 4, 1];
    const all = computeMetrics(yTrue, yPred);
    const present = computeMetrics(yTrue, yPred, undefined, { averageOver: [0, 4] });
    expect(present.accuracy).toBeCloseTo(3 / 4, 12);
    expect(present.uar).toBeCloseTo((1 + 1 / 2) / 2, 12);
    // angry: P = 1, R = 1/2, F1 = 2/3 ; neutral F1 = 1 ; calm (F1 0) is out of the mean, unlike sklearn's default.
    expect(present.macroF1).toBeCloseTo((1 + 2 / 3) / 2, 12);
    expect(all.macroF1).toBeCloseTo((1 + 2 / 3 + 0) / 3, 12);
    expect(present.confusion).toEqual(all.confusion);
    expect(present.perClass.calm).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(() => computeMetrics(yTrue, yPred, undefined, { averageOver: [8] })).toThrow(/out of range/);
  });
});

describe('learning-rate schedules', () => {
  it('step, cosine and constant', () => {
    const step = parseSchedule('step:10:0.5');
    expect(learningRateAt(step, 0.01, 9, 100)).toBeCloseTo(0.01);
    expect(learningRateAt(step, 0.01, 10, 100)).toBeCloseTo(0.005);
    expect(learningRateAt(step, 0.01, 25, 100)).toBeCloseTo(0.0025);
    const cos = parseSchedule('cosine:0.001');
    expect(learningRateAt(cos, 0.01, 0, 11)).toBeCloseTo(0.01);
    expect(learningRateAt(cos, 0.01, 5, 11)).toBeCloseTo(0.0055);
    expect(learningRateAt(cos, 0.01, 10, 11)).toBeCloseTo(0.001);
    expect(learningRateAt(parseSchedule('constant'), 0.02, 50, 100)).toBe(0.02);
    expect(() => parseSchedule('sawtooth')).toThrow(/unknown schedule/);
  });
});
