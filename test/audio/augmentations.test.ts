/** Training augmentations beyond AWGN and SpecAugment: Beta draws, frequency warping of mel rows, batch mixup. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../electron/engine/audio/rng.js';
import { drawWarp, warpMel } from '../../electron/engine/audio/freqWarp.js';
import { mixupBatch } from '../../electron/engine/training/mixup.js';

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
