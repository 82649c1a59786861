/** Test-time windows: the offsets a model or `--window-offsets` gives are checked, and windows combine as an ensemble's members do. */
import { describe, expect, it } from 'vitest';
import { PAPER_FEATURES } from '../../electron/engine/audio/features.js';
import { PROB_FLOOR } from '../../electron/engine/model/config.js';
import { addLogProbs, checkWindowOffsets, meanLogProbSoftmax, parseWindowOffsets, windowCounts, windowOffsetsOf } from '../../electron/engine/training/windowOffsets.js';

describe('window offsets', () => {
  it('parses and sorts a list; refuses empty, too many, out of range, repeated or non-numeric offsets, naming where', () => {
    expect(parseWindowOffsets('0.7, 0.3,0.5')).toEqual([0.3, 0.5, 0.7]);
    expect(checkWindowOffsets([0, 10], 'x')).toEqual([0, 10]);
    const cases: Array<[unknown, RegExp]> = [
      [[], /^m: expected a non-empty list/],
      ['0.5', /^m: expected a non-empty list/],
      [Array.from({ length: 17 }, (_, i) => i / 10), /^m: at most 16 windows/],
      [[0.5, 10.5], /^m: each offset .* got 10\.5$/],
      [[0.5, Number.NaN], /^m: each offset .* got null$/],
      [[0.5, '0.6'], /^m: each offset .* got "0\.6"$/],
      [[0.5, 0.3, 0.5], /^m: offsets must differ/],
    ];
    for (const [v, msg] of cases) expect(() => checkWindowOffsets(v, 'm'), JSON.stringify(v)).toThrow(msg);
    expect(() => parseWindowOffsets('0.3,1e-1')).toThrow(/^--window-offsets: each offset .* got "1e-1"$/);
  });

  it('a model without windowOffsets reads the one window training read', () => {
    expect(windowOffsetsOf({ featureConfig: PAPER_FEATURES })).toEqual([0.5]);
    expect(windowOffsetsOf({ featureConfig: PAPER_FEATURES, windowOffsets: [0.4, 0.6] })).toEqual([0.4, 0.6]);
  });

  it('combines windows as the softmax of the mean log-probability, row by row; one window gives itself back', () => {
    const a = [0.7, 0.2, 0.1, 0.1, 0.1, 0.8];
    const b = [0.1, 0.6, 0.3, 0.2, 0.2, 0.6];
    const one = new Float64Array(6);
    addLogProbs(one, a);
    meanLogProbSoftmax(one, 1, 3).forEach((p, i) => expect(p).toBeCloseTo(a[i]!, 6));
    const two = new Float64Array(6);
    addLogProbs(two, a);
    addLogProbs(two, b);
    const c = meanLogProbSoftmax(two, 2, 3);
    for (const r of [0, 3]) {
      const g = [0, 1, 2].map((k) => Math.sqrt(a[r + k]! * b[r + k]!));
      const z = g.reduce((s, v) => s + v, 0);
      [0, 1, 2].forEach((k) => expect(c[r + k]).toBeCloseTo(g[k]! / z, 6));
    }
    // A window sure a class is impossible all but rules it out (p floored at PROB_FLOOR), without NaN or -Infinity.
    const veto = new Float64Array(2);
    addLogProbs(veto, [0, 1]);
    addLogProbs(veto, [0.9, 0.1]);
    const v = meanLogProbSoftmax(veto, 2, 2);
    const kept = Math.sqrt(PROB_FLOOR * 0.9);
    expect(v[0]).toBeCloseTo(kept / (kept + Math.sqrt(0.1)), 9);
    expect(v[0]).toBeLessThan(1e-3);
    expect(v[0]! + v[1]!).toBeCloseTo(1, 6);
  });

  it('rows summed over different numbers of windows are each averaged over their own count', () => {
    const a = [0.7, 0.3];
    const b = [0.2, 0.8];
    const sum = new Float64Array(4);
    addLogProbs(sum.subarray(0, 2), a);
    addLogProbs(sum.subarray(0, 2), b);
    addLogProbs(sum.subarray(2, 4), a);
    const c = meanLogProbSoftmax(sum, [2, 1], 2);
    const g = [Math.sqrt(0.7 * 0.2), Math.sqrt(0.3 * 0.8)];
    expect(c[0]).toBeCloseTo(g[0]! / (g[0]! + g[1]!), 6);
    expect(c[2]).toBeCloseTo(0.7, 6);
    expect(c[3]).toBeCloseTo(0.3, 6);
  });

  it('a window starting past the end of a file counts only when it is the first', () => {
    expect(windowCounts(0, true)).toBe(true);
    expect(windowCounts(1, true)).toBe(false);
    expect(windowCounts(1, false)).toBe(true);
  });
});
