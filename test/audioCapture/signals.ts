/** Signal helpers for the real-audio capture tests (written plainly, independent of the code under test). */

export function sine(freq: number, seconds: number, rate: number, amp = 0.5): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / rate));
}

export function rms(x: Float32Array): number {
  let e = 0;
  for (const v of x) e += v * v;
  return x.length ? Math.sqrt(e / x.length) : 0;
}

/** Frequency (step `step` Hz within [lo, hi]) where the Goertzel power of `x` peaks. */
export function peakFrequency(x: Float32Array, rate: number, lo: number, hi: number, step = 1): number {
  let best = lo;
  let bestP = -1;
  for (let f = lo; f <= hi; f += step) {
    const w = (2 * Math.PI * f) / rate;
    const c = 2 * Math.cos(w);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < x.length; i++) {
      const s0 = x[i]! + c * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const p = s1 * s1 + s2 * s2 - c * s1 * s2;
    if (p > bestP) {
      bestP = p;
      best = f;
    }
  }
  return best;
}

function envelope(x: Float32Array, hop: number): Float32Array {
  const n = Math.floor(x.length / hop);
  const e = new Float32Array(n);
  for (let k = 0; k < n; k++) e[k] = rms(x.subarray(k * hop, (k + 1) * hop));
  return e;
}

/** Normalised correlation of a and b over their overlap when b starts at a[lag] (lag may be negative). */
function corrAt(a: Float32Array, b: Float32Array, lag: number): number {
  const i0 = Math.max(0, lag);
  const i1 = Math.min(a.length, lag + b.length);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = i0; i < i1; i++) {
    const u = a[i]!;
    const v = b[i - lag]!;
    ab += u * v;
    aa += u * u;
    bb += v * v;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/**
 * Best waveform correlation of `played` inside `recorded` (same rate): coarse lag from 10 ms energy envelopes,
 * then a sample-exact search ±2 hops around it. Returns the correlation (1 = identical up to gain) and the lag.
 */
export function bestCorrelation(recorded: Float32Array, played: Float32Array, rate: number): { corr: number; lag: number } {
  const hop = Math.round(rate / 100);
  const er = envelope(recorded, hop);
  const ep = envelope(played, hop);
  let coarse = 0;
  let bestE = -Infinity;
  for (let k = -ep.length + 10; k < er.length - 10; k++) {
    const c = corrAt(er, ep, k);
    if (c > bestE) {
      bestE = c;
      coarse = k;
    }
  }
  let best = { corr: -Infinity, lag: 0 };
  for (let lag = (coarse - 2) * hop; lag <= (coarse + 2) * hop; lag++) {
    const c = corrAt(recorded, played, lag);
    if (c > best.corr) best = { corr: c, lag };
  }
  return best;
}
