/** SpecAugment-style masking: widths within bounds, the clip's mean as fill, deterministic per generator, no-op at 0. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../electron/engine/audio/rng.js';
import { parseSpecAugment, specAugment } from '../../electron/engine/audio/specAugment.js';

const M = 16;
const F = 40;
const ramp = () => Float32Array.from({ length: M * F }, (_, i) => (i % 7) - 3 + Math.floor(i / F)); // distinct rows

describe('specAugment', () => {
  it('masks whole mel rows and whole frame spans with the clip mean, within the widths asked', () => {
    for (let seed = 0; seed < 50; seed++) {
      const x = ramp();
      const mean = x.reduce((a, v) => a + v, 0) / x.length;
      const y = specAugment(x.slice(), M, F, { freqMasks: 1, freqWidth: 4, timeMasks: 0, timeWidth: 0 }, new Rng(seed));
      const rows = Array.from({ length: M }, (_, m) => y.subarray(m * F, (m + 1) * F).every((v) => Math.abs(v - mean) < 1e-4));
      const masked = rows.filter(Boolean).length;
      expect(masked).toBeLessThanOrEqual(4);
      // Masked rows are consecutive, and every other value is untouched.
      const first = rows.indexOf(true);
      if (masked) expect(rows.slice(first, first + masked).every(Boolean)).toBe(true);
      for (let m = 0; m < M; m++) if (!rows[m]) expect(Array.from(y.subarray(m * F, (m + 1) * F))).toEqual(Array.from(x.subarray(m * F, (m + 1) * F)));
      const t = specAugment(x.slice(), M, F, { freqMasks: 0, freqWidth: 0, timeMasks: 1, timeWidth: 10 }, new Rng(seed));
      const cols = Array.from({ length: F }, (_, f) => Array.from({ length: M }, (_, m) => t[m * F + f]!).every((v) => Math.abs(v - mean) < 1e-4));
      expect(cols.filter(Boolean).length).toBeLessThanOrEqual(10);
    }
  });

  it('masks something over many clips, and is the same for the same generator state', () => {
    const cfg = { freqMasks: 2, freqWidth: 6, timeMasks: 2, timeWidth: 12 };
    const a = specAugment(ramp(), M, F, cfg, new Rng(9));
    const b = specAugment(ramp(), M, F, cfg, new Rng(9));
    expect(Array.from(a)).toEqual(Array.from(b));
    let changed = 0;
    for (let s = 0; s < 20; s++) if (specAugment(ramp(), M, F, cfg, new Rng(s)).some((v, i) => v !== ramp()[i])) changed++;
    expect(changed).toBeGreaterThan(15);
  });

  it('leaves the spectrogram alone with no masks, and refuses a wrong size', () => {
    expect(Array.from(specAugment(ramp(), M, F, { freqMasks: 0, freqWidth: 9, timeMasks: 0, timeWidth: 9 }, new Rng(1)))).toEqual(Array.from(ramp()));
    expect(() => specAugment(new Float32Array(5), M, F, { freqMasks: 1, freqWidth: 1, timeMasks: 1, timeWidth: 1 }, new Rng(1))).toThrow(/16×40/);
  });

  it('parses F:W,T:W and names what is wrong otherwise', () => {
    expect(parseSpecAugment('2:16,2:40')).toEqual({ freqMasks: 2, freqWidth: 16, timeMasks: 2, timeWidth: 40 });
    expect(() => parseSpecAugment('2:16')).toThrow(/freqMasks:freqWidth,timeMasks:timeWidth/);
    expect(() => parseSpecAugment('17:1,1:1')).toThrow(/at most 16/);
  });
});
