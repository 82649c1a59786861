import { describe, expect, it } from 'vitest';
import { assertNoSpeakerLeak, defaultValSpeakerCount, makeSplit, speakerFolds } from '../../electron/engine/dataset/splits.js';
import { EMOTIONS } from '../../electron/shared/labels.js';

// RAVDESS-shaped: 24 speakers × (neutral 4 + 7 × 8).
const items: Array<{ label: string; speaker: string }> = [];
for (let s = 1; s <= 24; s++) for (const e of EMOTIONS) for (let k = 0; k < (e === 'neutral' ? 4 : 8); k++) items.push({ label: e, speaker: String(s).padStart(2, '0') });

describe('random split', () => {
  const sp = makeSplit(items, { kind: 'random', seed: 42 });
  it('is 80/10/10, stratified by emotion, disjoint and complete', () => {
    expect(sp.train.length + sp.val.length + sp.test.length).toBe(1440);
    expect(new Set([...sp.train, ...sp.val, ...sp.test]).size).toBe(1440);
    for (const e of EMOTIONS) {
      const n = items.filter((i) => i.label === e).length;
      const inTest = sp.test.filter((i) => items[i]!.label === e).length;
      const inVal = sp.val.filter((i) => items[i]!.label === e).length;
      expect(inTest).toBe(Math.round(n * 0.1));
      expect(inVal).toBe(Math.round(n * 0.1));
    }
    expect(sp.train.length).toBe(76 + 7 * 154); // per-class rounding: neutral 96 → 76/10/10, others 192 → 154/19/19
  });
  it('is reproducible by seed', () => {
    expect(makeSplit(items, { kind: 'random', seed: 42 })).toEqual(sp);
    expect(makeSplit(items, { kind: 'random', seed: 43 }).test).not.toEqual(sp.test);
  });
});

describe('speaker split', () => {
  it('puts the named speakers in test / validation and nobody in two parts', () => {
    const sp = makeSplit(items, { kind: 'speaker', seed: 1, testSpeakers: ['21', '22', '23', '24'], valSpeakers: ['19', '20'] });
    expect(sp.testSpeakers).toEqual(['21', '22', '23', '24']);
    expect(sp.valSpeakers).toEqual(['19', '20']);
    expect(sp.trainSpeakers).toHaveLength(18);
    expect(sp.test).toHaveLength(240);
    expect(sp.val).toHaveLength(120);
    assertNoSpeakerLeak(items, sp);
  });
  it('accepts 1 for 01', () => {
    expect(makeSplit(items, { kind: 'speaker', seed: 1, testSpeakers: ['1'] }).testSpeakers).toEqual(['01']);
  });
  it('k-fold: every speaker is tested exactly once across the folds, never leaking', () => {
    const tested: string[] = [];
    for (let fold = 0; fold < 6; fold++) {
      const sp = makeSplit(items, { kind: 'speaker', seed: 7, folds: 6, fold });
      assertNoSpeakerLeak(items, sp);
      expect(sp.testSpeakers).toHaveLength(4);
      tested.push(...sp.testSpeakers);
    }
    expect(tested.sort()).toEqual(Array.from({ length: 24 }, (_, i) => String(i + 1).padStart(2, '0')));
  });
  it('k-fold with valSpeakerCount: validation speakers come from the next folds, rotate, and leave speakers to train', () => {
    const groups = speakerFolds([...new Set(items.map((i) => i.speaker))], 5, 7);
    expect(groups.map((g) => g.length)).toEqual([5, 5, 5, 5, 4]);
    const validated: string[] = [];
    for (let fold = 0; fold < 5; fold++) {
      const sp = makeSplit(items, { kind: 'speaker', seed: 7, folds: 5, fold, valSpeakerCount: 2 });
      assertNoSpeakerLeak(items, sp);
      expect(sp.testSpeakers).toEqual([...groups[fold]!].sort());
      expect(sp.valSpeakers).toEqual(groups[(fold + 1) % 5]!.slice(0, 2).sort());
      expect(sp.trainSpeakers).toHaveLength(24 - groups[fold]!.length - 2);
      validated.push(...sp.valSpeakers);
    }
    expect(new Set(validated).size).toBe(10);
    // More than the next fold holds: continue into the one after it, never into the test fold.
    const wide = makeSplit(items, { kind: 'speaker', seed: 7, folds: 5, fold: 3, valSpeakerCount: 6 });
    expect(wide.valSpeakers).toEqual([...groups[4]!, ...groups[0]!.slice(0, 2)].sort());
    // Without it, the whole next fold validates (as runs stored before it split).
    expect(makeSplit(items, { kind: 'speaker', seed: 7, folds: 5, fold: 0 }).valSpeakers).toEqual([...groups[1]!].sort());
    expect(() => makeSplit(items, { kind: 'speaker', seed: 7, folds: 2, fold: 0, valSpeakerCount: 12 })).toThrow(/at least one must train/);
  });
  it('defaultValSpeakerCount: ~10 % of speakers, at least 1, leaving one to train', () => {
    expect(defaultValSpeakerCount(20, 5)).toBe(2);
    expect(defaultValSpeakerCount(24, 6)).toBe(2);
    expect(defaultValSpeakerCount(4, 2)).toBe(1);
    expect(defaultValSpeakerCount(2, 2)).toBe(0);
  });
  it('detects a leak and refuses bad speaker lists', () => {
    expect(() => assertNoSpeakerLeak(items, { train: [0], val: [], test: [1] })).toThrow(/speaker 01 appears in both train and test/);
    expect(() => makeSplit(items, { kind: 'speaker', seed: 1, testSpeakers: ['99'] })).toThrow(/speaker '99' is not in this dataset/);
    expect(() => makeSplit(items, { kind: 'speaker', seed: 1, testSpeakers: ['1'], valSpeakers: ['01'] })).toThrow(/both the test and the validation/);
    expect(() => makeSplit([{ label: 'sad' }], { kind: 'speaker', seed: 1 })).toThrow(/needs the speaker of every file/);
  });
});

describe('all split (every clip trains)', () => {
  it('puts every index in training, none in validation or test, and lists every speaker', () => {
    const sp = makeSplit(items, { kind: 'all', seed: 42 });
    expect(sp.kind).toBe('all');
    expect(sp.seed).toBe(42);
    expect(sp.train).toEqual(items.map((_, i) => i));
    expect(sp.val).toEqual([]);
    expect(sp.test).toEqual([]);
    expect(sp.trainSpeakers).toEqual(Array.from({ length: 24 }, (_, i) => String(i + 1).padStart(2, '0')));
    expect(sp.valSpeakers).toEqual([]);
    expect(sp.testSpeakers).toEqual([]);
    assertNoSpeakerLeak(items, sp);
  });
  it('draws nothing: the seed does not change it', () => {
    const { seed: _a, ...a } = makeSplit(items, { kind: 'all', seed: 1 });
    const { seed: _b, ...b } = makeSplit(items, { kind: 'all', seed: 2 });
    expect(a).toEqual(b);
  });
  it('needs no speakers (files without one are speaker "unknown") and refuses an empty dataset', () => {
    const sp = makeSplit([{ label: 'sad' }, { label: 'happy' }], { kind: 'all', seed: 1 });
    expect(sp.train).toEqual([0, 1]);
    expect(sp.trainSpeakers).toEqual(['unknown']);
    expect(() => makeSplit([], { kind: 'all', seed: 1 })).toThrow(/empty dataset/);
  });
});
