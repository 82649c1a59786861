/**
 * Mel filterbank exactly as librosa.filters.mel (0.11): Slaney mel scale (linear below 1 kHz,
 * logarithmic above), triangular filters on the FFT bin frequencies, Slaney area normalisation,
 * computed in float64 and rounded to float32 like librosa's default dtype.
 */

const F_SP = 200 / 3; // Hz per mel in the linear region
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP; // 15
const LOGSTEP = Math.log(6.4) / 27;

/** Hz → mel on librosa's Slaney scale (`htk=False`). */
export function hzToMel(hz: number): number {
  return hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOGSTEP : hz / F_SP;
}

/** mel → Hz on librosa's Slaney scale (`htk=False`). */
export function melToHz(mel: number): number {
  return mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOGSTEP * (mel - MIN_LOG_MEL)) : F_SP * mel;
}

export interface MelFilterbankOptions {
  sampleRate: number;
  nFft: number;
  nMels: number;
  /** Lowest band edge in Hz (librosa default 0). */
  fmin?: number;
  /** Highest band edge in Hz (librosa default sampleRate / 2). */
  fmax?: number;
}

/**
 * Sparse filterbank: for mel band m, weights for FFT bins start[m] .. start[m] + weights[m].length - 1.
 * Sparse because each triangle spans a few bins; the dense 128×513 matrix is 97 % zeros.
 */
export interface MelFilterbank {
  nMels: number;
  nBins: number;
  start: Int32Array;
  weights: Float32Array[];
  /** Band edge frequencies (n_mels + 2), in Hz. */
  melFreqs: Float64Array;
}

export function melFilterbank(opts: MelFilterbankOptions): MelFilterbank {
  const { sampleRate, nFft, nMels } = opts;
  const fmin = opts.fmin ?? 0;
  const fmax = opts.fmax ?? sampleRate / 2;
  if (!(nFft > 0) || !(nMels > 0)) throw new RangeError('melFilterbank: nFft and nMels must be positive');
  if (!(fmin >= 0 && fmax > fmin && fmax <= sampleRate / 2)) throw new RangeError(`melFilterbank: need 0 ≤ fmin < fmax ≤ sr/2, got ${fmin}, ${fmax}`);
  const nBins = 1 + Math.floor(nFft / 2);
  const fftFreqs = new Float64Array(nBins);
  const binHz = 1.0 / (nFft * (1.0 / sampleRate)); // np.fft.rfftfreq(n_fft, 1/sr), same rounding
  for (let k = 0; k < nBins; k++) fftFreqs[k] = k * binHz;
  const minMel = hzToMel(fmin);
  const maxMel = hzToMel(fmax);
  const melFreqs = new Float64Array(nMels + 2);
  const step = (maxMel - minMel) / (nMels + 1); // np.linspace(min_mel, max_mel, n_mels + 2)
  for (let i = 0; i < nMels + 2; i++) melFreqs[i] = melToHz(i === nMels + 1 ? maxMel : i * step + minMel);
  // mel→Hz(Hz→mel(f)) is f up to libm rounding, which can land the top edge a hair above fmax and give
  // the Nyquist bin a 1e-18 weight that librosa (whose rounding lands below) does not have: pin the ends.
  melFreqs[0] = fmin;
  melFreqs[nMels + 1] = fmax;
  const start = new Int32Array(nMels);
  const weights: Float32Array[] = [];
  for (let m = 0; m < nMels; m++) {
    const lo = melFreqs[m]!;
    const mid = melFreqs[m + 1]!;
    const hi = melFreqs[m + 2]!;
    const enorm = 2 / (hi - lo);
    const row: number[] = [];
    let first = -1;
    for (let k = 0; k < nBins; k++) {
      const f = fftFreqs[k]!;
      const lower = (f - lo) / (mid - lo); // = -ramps[m] / fdiff[m]
      const upper = (hi - f) / (hi - mid); // = ramps[m+2] / fdiff[m+1]
      // librosa stores the triangle in float32, then scales by the float64 norm and stores float32 again.
      const w = Math.fround(Math.fround(Math.max(0, Math.min(lower, upper))) * enorm);
      if (w > 0) {
        if (first < 0) first = k;
        // Keep interior zeros (none occur for triangles) so indices stay contiguous.
        while (first + row.length < k) row.push(0);
        row.push(w);
      }
    }
    start[m] = first < 0 ? 0 : first;
    weights.push(Float32Array.from(row));
  }
  return { nMels, nBins, start, weights, melFreqs };
}
