/**
 * Additive white Gaussian noise at a target signal-to-noise ratio, as the reference's addAWGN:
 * noise n ~ N(0, 1) scaled by K = sqrt(Ps / Pn · 10^(−SNR/10)) so that 10·log10(Ps / Pk·n) = SNR,
 * where P is mean power over the clip. Applied to training clips only (after the split).
 */
import type { Rng } from './rng.js';

/** Returns a noisy copy of `signal` at `snrDb` dB. A silent signal gets no noise (its power is 0). */
export function addAwgn(signal: Float32Array, snrDb: number, rng: Rng, out?: Float32Array): Float32Array {
  if (!Number.isFinite(snrDb)) throw new RangeError(`addAwgn: snrDb must be finite, got ${snrDb}`);
  const n = signal.length;
  const res = out ?? new Float32Array(n);
  if (n === 0) return res;
  const noise = new Float64Array(n);
  let ps = 0;
  let pn = 0;
  for (let i = 0; i < n; i++) {
    const s = signal[i]!;
    ps += s * s;
    const z = rng.normal();
    noise[i] = z;
    pn += z * z;
  }
  const k = pn > 0 ? Math.sqrt((ps / pn) * 10 ** (-snrDb / 10)) : 0;
  for (let i = 0; i < n; i++) res[i] = signal[i]! + k * noise[i]!;
  return res;
}

/** Draws the reference's integer SNR: numpy.random.randint(low, high), i.e. low ≤ snr < high. */
export function drawSnr(rng: Rng, low = 15, high = 30): number {
  return rng.int(low, high);
}
