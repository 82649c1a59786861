/** Training augmentations beyond AWGN and SpecAugment: speed, time and pitch shifts, Beta draws, frequency warping of mel rows, batch mixup. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../electron/engine/audio/rng.js';
import { drawWarp, warpMel } from '../../electron/engine/audio/freqWarp.js';
import { mixupBatch } from '../../electron/engine/training/mixup.js';
import { smoothLabels } from '../../electron/engine/training/labelSmoothing.js';
import { changeSpeed } from '../../electron/engine/audio/speed.js';
import { computeEntry } from '../../electron/engine/dataset/featureCache.js';
import { FeatureExtractor, PAPER_FEATURES } from '../../electron/engine/audio/features.js';
import { encodeWav16 } from '../../electron/engine/audio/wav.js';
import { stretchFrames } from '../../electron/engine/audio/pitchShift.js';

/** The frequency (Hz) of the strongest bin of x's DFT between lo and hi Hz, 1 Hz apart. */
function peakHz(x: Float32Array, sr: number, lo: number, hi: number): number {
  let best = lo;
  let bestP = -1;
  for (let f = lo; f <= hi; f++) {
    let re = 0;
    let im = 0;
    for (let i = 0; i < x.length; i++) {
      re += x[i]! * Math.cos((2 * Math.PI * f * i) / sr);
      im += x[i]! * Math.sin((2 * Math.PI * f * i) / sr);
    }
    if (re * re + im * im > bestP) [best, bestP] = [f, re * re + im * im];
  }
  return best;
}

describe('speed perturbation', () => {
  const sr = 8000;
  const tone = Float32Array.from({ length: sr / 2 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 500 * i) / sr));

  it('plays a tone faster and higher: 500 Hz at speed 1.1 is 550 Hz in 1/1.1 the samples; 0.9 → 450 Hz', async () => {
    const fast = await changeSpeed(tone, 1.1, sr);
    expect(Math.abs(fast.length - tone.length / 1.1)).toBeLessThanOrEqual(1);
    expect(peakHz(fast.subarray(200, 3400), sr, 480, 620)).toBe(550);
    const slow = await changeSpeed(tone, 0.9, sr);
    expect(Math.abs(slow.length - tone.length / 0.9)).toBeLessThanOrEqual(1);
    expect(peakHz(slow.subarray(200, 4200), sr, 400, 560)).toBe(450);
    expect(await changeSpeed(tone, 1, sr)).toBe(tone);
    await expect(changeSpeed(tone, 0, sr)).rejects.toThrow(RangeError);
  });

  it("a sped-up training copy's features: the paper's window, filled from duration·speed seconds of the file", async () => {
    // A 4 s, 48 kHz file whose pitch rises: a copy at 1.2 hears the same start, later content sooner, all pitches ×1.2.
    const rate = 48000;
    const x = Float32Array.from({ length: 4 * rate }, (_, i) => 0.3 * Math.sin(2 * Math.PI * (300 * i / rate + 50 * (i / rate) ** 2)));
    const bytes = encodeWav16(x, rate);
    const fx = new FeatureExtractor(PAPER_FEATURES);
    const clean = await computeEntry(fx, bytes, { absPath: 'chirp.wav', contentHash: 'a'.repeat(64) });
    const fast = await computeEntry(fx, bytes, { absPath: 'chirp.wav', contentHash: 'a'.repeat(64), augment: { noiseSeed: 1, snrDb: 100, speed: 1.2 } });
    expect(fast.length).toBe(clean.length);
    expect(fast.every(Number.isFinite)).toBe(true);
    const nFrames = clean.length / PAPER_FEATURES.mel.nMels;
    // The loudest mel row of a frame (row-major nMels × nFrames): higher in the fast copy at the same frame.
    const loudestRow = (m: Float32Array, t: number) => {
      let best = 0;
      for (let r = 1; r < PAPER_FEATURES.mel.nMels; r++) if (m[r * nFrames + t]! > m[best * nFrames + t]!) best = r;
      return best;
    };
    for (const t of [50, 250, 450]) expect(loudestRow(fast, t)).toBeGreaterThan(loudestRow(clean, t));
  });
});

describe('time shift of a noisy copy', () => {
  it('reads the window from the shifted offset (never before the start): the same mel as a clip cut there', async () => {
    const rate = 48_000;
    // A rising chirp: every window of it is different.
    const x = Float32Array.from({ length: 4 * rate }, (_, i) => 0.3 * Math.sin(2 * Math.PI * (200 * i / rate + 100 * (i / rate) ** 2)));
    const bytes = encodeWav16(x, rate);
    const fx = new FeatureExtractor(PAPER_FEATURES);
    const ref = { absPath: 'chirp.wav', contentHash: 'b'.repeat(64) };
    const at = (offset: number) => computeEntry(new FeatureExtractor({ ...PAPER_FEATURES, offset }), bytes, { ...ref, augment: { noiseSeed: 5, snrDb: 100 } });
    const shifted = await computeEntry(fx, bytes, { ...ref, augment: { noiseSeed: 5, snrDb: 100, shift: 0.2 } });
    expect(shifted).toEqual(await at(0.7));
    expect(shifted).not.toEqual(await at(0.5));
    // −0.8 s from 0.5 s starts at the file's start.
    expect(await computeEntry(fx, bytes, { ...ref, augment: { noiseSeed: 5, snrDb: 100, shift: -0.8 } })).toEqual(await at(0));
  });
});

describe('pitch shift with the tempo kept', () => {
  it('stretchFrames: the identity at factor 1, frame t reads frame t / factor (interpolated, the last repeated), bad shapes refused', () => {
    // 2 mel rows × 4 frames: row 0 = 0, 10, 20, 30; row 1 = 100 more.
    const mel = Float32Array.from([0, 10, 20, 30, 100, 110, 120, 130]);
    expect(stretchFrames(mel, 2, 4, 4, 1)).toEqual(mel);
    expect(Array.from(stretchFrames(mel, 2, 4, 6, 2))).toEqual([0, 5, 10, 15, 20, 25, 100, 105, 110, 115, 120, 125]);
    expect(Array.from(stretchFrames(mel, 2, 4, 3, 0.5))).toEqual([0, 20, 30, 100, 120, 130]);
    expect(Array.from(stretchFrames(mel, 2, 4, 5, 1))).toEqual([0, 10, 20, 30, 30, 100, 110, 120, 130, 130]);
    expect(() => stretchFrames(mel, 2, 3, 4, 1)).toThrow(RangeError);
    expect(() => stretchFrames(mel, 2, 4, 4, 0)).toThrow(RangeError);
    expect(() => stretchFrames(mel, 2, 4, 0, 1)).toThrow(RangeError);
  });

  it("a pitch-shifted copy: every tone higher by the factor, each at the same frames as in the clean clip (speed moves them)", async () => {
    // 4 s at 48 kHz: 400 Hz over 0.5–1.5 s, silence, 800 Hz over 2.5–4 s; the paper's window starts at 0.5 s.
    const rate = 48_000;
    const x = Float32Array.from({ length: 4 * rate }, (_, i) => {
      const t = i / rate;
      return t < 1.5 ? 0.3 * Math.sin(2 * Math.PI * 400 * t) : t < 2.5 ? 0 : 0.3 * Math.sin(2 * Math.PI * 800 * t);
    });
    const bytes = encodeWav16(x, rate);
    const fx = new FeatureExtractor(PAPER_FEATURES);
    const ref = { absPath: 'tones.wav', contentHash: 'c'.repeat(64) };
    const clean = await computeEntry(fx, bytes, { ...ref, augment: { noiseSeed: 3, snrDb: 100 } });
    const high = await computeEntry(fx, bytes, { ...ref, augment: { noiseSeed: 3, snrDb: 100, pitch: 1.2 } });
    const low = await computeEntry(fx, bytes, { ...ref, augment: { noiseSeed: 3, snrDb: 100, pitch: 0.8 } });
    const fast = await computeEntry(fx, bytes, { ...ref, augment: { noiseSeed: 3, snrDb: 100, speed: 1.2 } });
    expect(high.length).toBe(clean.length);
    expect(low.length).toBe(clean.length);
    expect(high.every(Number.isFinite) && low.every(Number.isFinite)).toBe(true);
    const nMels = PAPER_FEATURES.mel.nMels;
    const nFrames = clean.length / nMels;
    const loudestRow = (m: Float32Array, t: number) => {
      let best = 0;
      for (let r = 1; r < nMels; r++) if (m[r * nFrames + t]! > m[best * nFrames + t]!) best = r;
      return best;
    };
    // The frame where the 800 Hz tone starts: the first after the gap whose loudest row is 40 dB above the gap's.
    const onset = (m: Float32Array) => {
      const level = (t: number) => m[loudestRow(m, t) * nFrames + t]!;
      const gap = level(280);
      for (let t = 200; t < nFrames; t++) if (level(t) > gap + 40) return t;
      return -1;
    };
    for (const t of [90, 450]) {
      expect(loudestRow(high, t)).toBeGreaterThan(loudestRow(clean, t));
      expect(loudestRow(low, t)).toBeLessThan(loudestRow(clean, t));
    }
    // 2.5 s − 0.5 s = 2 s into the window: frame 375 of hop 256 at 48 kHz.
    expect(Math.abs(onset(clean) - 375)).toBeLessThanOrEqual(2);
    expect(Math.abs(onset(high) - onset(clean))).toBeLessThanOrEqual(2);
    expect(Math.abs(onset(low) - onset(clean))).toBeLessThanOrEqual(2);
    // Speed perturbation at 1.2, for contrast, brings it 2/1.2 s in: frame 313.
    expect(Math.abs(onset(fast) - 313)).toBeLessThanOrEqual(2);
  });
});

describe('Rng.beta', () => {
  it('has the mean and variance of Beta(a, b), for shapes below and above 1', () => {
    for (const [a, b] of [[0.2, 0.2], [0.4, 0.4], [2, 5], [1, 1]] as const) {
      const rng = new Rng(7);
      const n = 40_000;
      let s = 0;
      let s2 = 0;
      let outside = 0;
      for (let i = 0; i < n; i++) {
        const v = rng.beta(a, b);
        if (!(v >= 0 && v <= 1)) outside++;
        s += v;
        s2 += v * v;
      }
      expect(outside).toBe(0);
      const mean = s / n;
      const variance = s2 / n - mean * mean;
      expect(mean).toBeCloseTo(a / (a + b), 2);
      expect(variance).toBeCloseTo((a * b) / ((a + b) ** 2 * (a + b + 1)), 2);
    }
  });

  it('refuses a shape that is not positive', () => {
    expect(() => new Rng(1).gamma(0)).toThrow(RangeError);
    expect(() => new Rng(1).gamma(Number.NaN)).toThrow(RangeError);
  });
});

describe('warpMel', () => {
  const M = 32;
  const T = 5;
  // Row m holds the value m everywhere: a warp by α maps row m to m/α.
  const rows = Float32Array.from({ length: M * T }, (_, i) => Math.floor(i / T));

  it('is the identity at α = 1 and moves rows by 1/α, clamped at the top', () => {
    expect(Array.from(warpMel(rows, M, T, 1, new Float32Array(M * T)))).toEqual(Array.from(rows));
    const up = warpMel(rows, M, T, 1.25, new Float32Array(M * T));
    for (let m = 0; m < M; m++) for (let t = 0; t < T; t++) expect(up[m * T + t]).toBeCloseTo(m / 1.25, 5);
    const down = warpMel(rows, M, T, 0.8, new Float32Array(M * T));
    for (let m = 0; m < M; m++) expect(down[m * T]).toBeCloseTo(Math.min(m / 0.8, M - 1), 5);
  });

  it('draws factors within ±maxWarp, and refuses bad shapes', () => {
    const rng = new Rng(3);
    const fs = Array.from({ length: 2000 }, () => drawWarp(0.1, rng));
    expect(Math.min(...fs)).toBeGreaterThanOrEqual(0.9);
    expect(Math.max(...fs)).toBeLessThanOrEqual(1.1);
    expect(Math.max(...fs) - Math.min(...fs)).toBeGreaterThan(0.15);
    expect(() => warpMel(rows, M, T + 1, 1, new Float32Array(M * T))).toThrow(RangeError);
    expect(() => warpMel(rows, M, T, 0, new Float32Array(M * T))).toThrow(RangeError);
  });
});

describe('mixupBatch', () => {
  it('mixes inputs and labels with the same λ ≥ ½, keeping each clip’s label as the larger part', () => {
    const n = 6;
    const d = 4;
    const xs = Float32Array.from({ length: n * d }, (_, i) => Math.floor(i / d) * 10 + (i % d));
    const ys = new Float32Array(n * 8);
    for (let b = 0; b < n; b++) ys[b * 8 + b] = 1; // clip b has class b
    const x0 = xs.slice();
    mixupBatch(xs, ys, n, 0.4, new Rng(11));
    let mixedSome = false;
    for (let b = 0; b < n; b++) {
      const y = ys.subarray(b * 8, b * 8 + 8);
      expect(y.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 6);
      const lam = y[b]!;
      expect(lam).toBeGreaterThanOrEqual(0.5 - 1e-6);
      const partner = y.findIndex((v, c) => c !== b && v > 0);
      if (partner >= 0) {
        mixedSome = true;
        for (let i = 0; i < d; i++) expect(xs[b * d + i]).toBeCloseTo(lam * x0[b * d + i]! + (1 - lam) * x0[partner * d + i]!, 4);
      } else for (let i = 0; i < d; i++) expect(xs[b * d + i]).toBeCloseTo(x0[b * d + i]!, 5);
    }
    expect(mixedSome).toBe(true);
  });

  it('is the same for the same generator state and a no-op at α = 0', () => {
    const make = () => ({ xs: Float32Array.from({ length: 32 }, (_, i) => Math.sin(i)), ys: Float32Array.from({ length: 64 }, (_, i) => (i % 9 === 0 ? 1 : 0)) });
    const a = make();
    const b = make();
    mixupBatch(a.xs, a.ys, 8, 0.2, new Rng(5));
    mixupBatch(b.xs, b.ys, 8, 0.2, new Rng(5));
    expect(Array.from(a.xs)).toEqual(Array.from(b.xs));
    const c = make();
    mixupBatch(c.xs, c.ys, 8, 0, new Rng(5));
    expect(Array.from(c.xs)).toEqual(Array.from(make().xs));
  });

  it('gives the same bits as mixing from a copy of the batch, and leaves the generator in the same state', () => {
    // The straightforward version (mixup.ts before it walked the permutation's cycles).
    const reference = (xs: Float32Array, ys: Float32Array, n: number, alpha: number, rng: Rng) => {
      const xn = xs.length / n;
      const yn = ys.length / n;
      const perm = rng.shuffle(Array.from({ length: n }, (_, i) => i));
      const x0 = xs.slice();
      const y0 = ys.slice();
      for (let b = 0; b < n; b++) {
        const l = rng.beta(alpha, alpha);
        const lam = Math.max(l, 1 - l);
        const p = perm[b]!;
        for (let i = 0; i < xn; i++) xs[b * xn + i] = lam * x0[b * xn + i]! + (1 - lam) * x0[p * xn + i]!;
        for (let i = 0; i < yn; i++) ys[b * yn + i] = lam * y0[b * yn + i]! + (1 - lam) * y0[p * yn + i]!;
      }
    };
    const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
    const data = new Rng(9);
    let fixedPoints = 0;
    for (const [n, d, seed] of [[2, 5, 1], [2, 5, 2], [3, 7, 3], [8, 33, 4], [32, 50, 5], [17, 1, 6]] as const) {
      const xs = Float32Array.from({ length: n * d }, () => data.normal() * 10);
      const ys = Float32Array.from({ length: n * 8 }, (_, i) => (i % 8 === (Math.floor(i / 8) * 3) % 8 ? 1 : 0));
      const want = { xs: xs.slice(), ys: ys.slice(), rng: new Rng(seed) };
      reference(want.xs, want.ys, n, 0.3, want.rng);
      fixedPoints += new Rng(seed).shuffle(Array.from({ length: n }, (_, i) => i)).filter((p, i) => p === i).length;
      for (const scratch of [undefined, new Float32Array(d), new Float32Array(d - 1)]) {
        const got = { xs: xs.slice(), ys: ys.slice(), rng: new Rng(seed) };
        mixupBatch(got.xs, got.ys, n, 0.3, got.rng, scratch);
        expect(bits(got.xs), `n=${n} d=${d}`).toEqual(bits(want.xs));
        expect(bits(got.ys)).toEqual(bits(want.ys));
        expect(got.rng.state).toEqual(want.rng.state);
      }
    }
    expect(fixedPoints).toBeGreaterThan(0); // a clip mixed with itself is covered too
  });
});

describe('smoothLabels', () => {
  it('moves ε of every target row onto the classes evenly: one-hot and mixed rows still sum to 1, the label stays the largest', () => {
    const ys = new Float32Array(3 * 8);
    ys[2] = 1; // clip 0: class 2
    ys[8 + 5] = 1; // clip 1: class 5
    ys[16 + 1] = 0.7; // clip 2: mixed, 0.7 of class 1 and 0.3 of class 4
    ys[16 + 4] = 0.3;
    smoothLabels(ys, 8, 0.1);
    expect(ys[2]).toBeCloseTo(0.9 + 0.1 / 8, 6);
    expect(ys[0]).toBeCloseTo(0.1 / 8, 6);
    expect(ys[16 + 1]).toBeCloseTo(0.7 * 0.9 + 0.0125, 6);
    expect(ys[16 + 4]).toBeCloseTo(0.3 * 0.9 + 0.0125, 6);
    for (let b = 0; b < 3; b++) expect(ys.subarray(b * 8, b * 8 + 8).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 6);
  });

  it('is a no-op at ε = 0 and refuses targets that are not whole rows', () => {
    const ys = Float32Array.from({ length: 16 }, (_, i) => (i === 3 || i === 12 ? 1 : 0));
    smoothLabels(ys, 8, 0);
    expect(Array.from(ys)).toEqual(Array.from({ length: 16 }, (_, i) => (i === 3 || i === 12 ? 1 : 0)));
    expect(() => smoothLabels(new Float32Array(12), 8, 0.1)).toThrow(/not rows of 8 classes/);
  });
});
