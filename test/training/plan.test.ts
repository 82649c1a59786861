import { describe, expect, it } from 'vitest';
import { planSamples, type SamplePlan } from '../../electron/engine/training/plan.js';
import { makeSplit } from '../../electron/engine/dataset/splits.js';
import type { DatasetFile } from '../../electron/engine/dataset/scan.js';
import { EMOTIONS } from '../../electron/shared/labels.js';

const files: DatasetFile[] = [];
for (let spk = 1; spk <= 6; spk++) {
  for (const [i, e] of EMOTIONS.entries()) {
    for (let r = 0; r < 3; r++) {
      files.push({ path: `A${spk}/${e}-${r}.wav`, absPath: `/d/A${spk}/${e}-${r}.wav`, size: 1, contentHash: `${spk}${i}${r}`.padEnd(64, 'a'), emotion: e, speaker: String(spk).padStart(2, '0') });
    }
  }
}
const items = files.map((f) => ({ label: f.emotion!, speaker: f.speaker! }));

/**
 * `changed` is `base` with one more augmentation on: every copy's other fields as they were, its key new only where the
 * field is set; clean clips and the test part untouched.
 */
function expectOnlyChanged(base: SamplePlan, changed: SamplePlan, field: 'shift' | 'pitch'): void {
  const before = base.train.filter((s) => s.augment);
  changed.train.filter((s) => s.augment).forEach((s, i) => {
    const { [field]: value, ...rest } = s.augment!;
    expect(rest).toEqual(before[i]!.augment);
    if (value === undefined) expect(s.key).toBe(before[i]!.key);
    else expect(s.key).not.toBe(before[i]!.key);
  });
  expect(changed.train.filter((s) => !s.augment).map((s) => s.key)).toEqual(base.train.filter((s) => !s.augment).map((s) => s.key));
  expect(changed.test.map((s) => s.key)).toEqual(base.test.map((s) => s.key));
}

describe('augmentation plan', () => {
  const split = makeSplit(items, { kind: 'random', seed: 3 });
  const plan = planSamples(files, split, { copies: 2, snrLow: 15, snrHigh: 30 }, 3);

  it('makes `copies` noisy copies of every training clip and none of validation or test clips', () => {
    expect(plan.train).toHaveLength(split.train.length * 3);
    expect(plan.val.every((s) => !s.augment)).toBe(true);
    expect(plan.test.every((s) => !s.augment)).toBe(true);
    expect(plan.val).toHaveLength(split.val.length);
  });

  it('cannot leak test clips into training: every training sample (clean or noisy) comes from a training file', () => {
    const heldOut = new Set([...plan.val, ...plan.test].map((s) => s.contentHash));
    for (const s of plan.train) expect(heldOut.has(s.contentHash)).toBe(false);
    const heldOutKeys = new Set([...plan.val, ...plan.test].map((s) => s.key));
    for (const s of plan.train) expect(heldOutKeys.has(s.key)).toBe(false);
  });

  it('draws integer SNRs in [15, 30) and distinct noise per copy, reproducibly', () => {
    const noisy = plan.train.filter((s) => s.augment);
    expect(noisy.every((s) => Number.isInteger(s.augment!.snrDb) && s.augment!.snrDb >= 15 && s.augment!.snrDb < 30)).toBe(true);
    expect(new Set(noisy.map((s) => s.key)).size).toBe(noisy.length);
    const again = planSamples(files, split, { copies: 2, snrLow: 15, snrHigh: 30 }, 3);
    expect(again.train.map((s) => s.key)).toEqual(plan.train.map((s) => s.key));
    const other = planSamples(files, split, { copies: 2, snrLow: 15, snrHigh: 30 }, 4);
    expect(other.train.filter((s) => s.augment).map((s) => s.key)).not.toEqual(noisy.map((s) => s.key));
  });

  it('speed perturbation: speeds in whole hundredths within [low, high], drawn apart from the noise (same seeds and SNRs as without)', () => {
    const sped = planSamples(files, split, { copies: 2, snrLow: 15, snrHigh: 30, speedLow: 0.9, speedHigh: 1.1 }, 3);
    const noisy = sped.train.filter((s) => s.augment);
    const speeds = noisy.map((s) => s.augment!.speed ?? 1);
    expect(speeds.every((v) => v >= 0.9 && v <= 1.1 && Math.abs(v * 100 - Math.round(v * 100)) < 1e-9)).toBe(true);
    // Every hundredth of 0.90..1.10 comes up (21 values over 288 copies), both ends included.
    expect(new Set(speeds.map((v) => Math.round(v * 100))).size).toBe(21);
    // Speed 1 copies carry no speed and keep their old cache keys; the others get new ones.
    const plain = plan.train.filter((s) => s.augment);
    noisy.forEach((s, i) => {
      expect(s.augment!.noiseSeed).toBe(plain[i]!.augment!.noiseSeed);
      expect(s.augment!.snrDb).toBe(plain[i]!.augment!.snrDb);
      if (s.augment!.speed === undefined) expect(s.key).toBe(plain[i]!.key);
      else expect(s.key).not.toBe(plain[i]!.key);
    });
    expect(noisy.some((s) => s.augment!.speed === undefined)).toBe(true);
    // Clean clips, validation and test never change speed.
    expect(sped.train.filter((s) => !s.augment).map((s) => s.key)).toEqual(plan.train.filter((s) => !s.augment).map((s) => s.key));
    expect(sped.test.map((s) => s.key)).toEqual(plan.test.map((s) => s.key));
    // 1:1 is off; an inverted or out-of-range range is refused.
    expect(planSamples(files, split, { copies: 2, snrLow: 15, snrHigh: 30, speedLow: 1, speedHigh: 1 }, 3).train.map((s) => s.key)).toEqual(plan.train.map((s) => s.key));
    expect(() => planSamples(files, split, { copies: 1, snrLow: 15, snrHigh: 30, speedLow: 1.1, speedHigh: 0.9 }, 3)).toThrow(/speed range/);
    expect(() => planSamples(files, split, { copies: 1, snrLow: 15, snrHigh: 30, speedLow: 0.3, speedHigh: 1 }, 3)).toThrow(/speed range/);
  });

  it('time shift: shifts in whole hundredths within ±shift, drawn apart from noise, SNR and speed; 0 is off', () => {
    const sped = { copies: 4, snrLow: 15, snrHigh: 30, speedLow: 0.9, speedHigh: 1.1 };
    const base = planSamples(files, split, sped, 3);
    const shifted = planSamples(files, split, { ...sped, shift: 0.2 }, 3);
    const noisy = shifted.train.filter((s) => s.augment);
    const shifts = noisy.map((s) => s.augment!.shift ?? 0);
    expect(shifts.every((v) => v >= -0.2 && v <= 0.2 && Math.abs(v * 100 - Math.round(v * 100)) < 1e-9)).toBe(true);
    // Every hundredth of −0.20..0.20 comes up (41 values over 448 copies), both ends included.
    expect(new Set(shifts.map((v) => Math.round(v * 100))).size).toBe(41);
    expectOnlyChanged(base, shifted, 'shift');
    expect(planSamples(files, split, { ...sped, shift: 0 }, 3).train.map((s) => s.key)).toEqual(base.train.map((s) => s.key));
    expect(() => planSamples(files, split, { ...sped, shift: 1.5 }, 3)).toThrow(/shift must be within 0..1 s/);
  });

  it('pitch shift: factors in whole hundredths within 1 ± x, drawn apart from noise, SNR, speed and shift; 0 is off', () => {
    const sped = { copies: 4, snrLow: 15, snrHigh: 30, speedLow: 0.9, speedHigh: 1.1, shift: 0.1 };
    const base = planSamples(files, split, sped, 3);
    const pitched = planSamples(files, split, { ...sped, pitchShift: 0.1 }, 3);
    const noisy = pitched.train.filter((s) => s.augment);
    const pitches = noisy.map((s) => s.augment!.pitch ?? 1);
    expect(pitches.every((v) => v >= 0.9 && v <= 1.1 && Math.abs(v * 100 - Math.round(v * 100)) < 1e-9)).toBe(true);
    expect(new Set(pitches.map((v) => Math.round(v * 100))).size).toBe(21);
    expectOnlyChanged(base, pitched, 'pitch');
    expect(noisy.some((s) => s.augment!.pitch === undefined)).toBe(true);
    expect(planSamples(files, split, { ...sped, pitchShift: 0 }, 3).train.map((s) => s.key)).toEqual(base.train.map((s) => s.key));
    expect(() => planSamples(files, split, { ...sped, pitchShift: 0.6 }, 3)).toThrow(/pitch shift must be within/);
  });

  it('keeps speaker-independent splits free of shared speakers, augmentation included', () => {
    const sp = makeSplit(items, { kind: 'speaker', seed: 1, testSpeakers: ['6'], valSpeakers: ['5'] });
    const p = planSamples(files, sp, { copies: 1, snrLow: 15, snrHigh: 30 }, 1);
    expect(new Set(p.train.map((s) => s.speaker))).toEqual(new Set(['01', '02', '03', '04']));
    expect(new Set(p.test.map((s) => s.speaker))).toEqual(new Set(['06']));
    expect(new Set(p.val.map((s) => s.speaker))).toEqual(new Set(['05']));
  });
});
