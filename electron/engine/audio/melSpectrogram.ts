/**
 * Mel spectrogram in dB, equal to
 *   librosa.power_to_db(librosa.feature.melspectrogram(y, sr, n_fft, win_length, window, hop_length, n_mels, fmax), ref=np.max)
 * of librosa 0.11 (center=True, pad_mode='constant', power 2, Slaney mel). Window, filterbank and scratch buffers are
 * built once per instance; `compute` allocates nothing but its output (pass `out` to reuse one).
 * Output layout: Float32Array, mel-major — value of band m at frame t is at `m * nFrames + t` (librosa's S[m, t]).
 */
import { RealFft } from './fft.js';
import { melFilterbank, type MelFilterbank } from './melFilterbank.js';

export interface MelConfig {
  /** Hz. Paper: 48000. */
  sampleRate: number;
  /** FFT size in samples. Paper (reference): 1024. */
  nFft: number;
  /** Window length in samples (≤ nFft, zero-padded to nFft centred like librosa.util.pad_center). Paper: 512. */
  winLength: number;
  /** Hop between frames in samples. Paper: 256. */
  hopLength: number;
  /** Number of mel bands. Paper (reference): 128. */
  nMels: number;
  /** Hz, default 0. */
  fmin: number;
  /** Hz, default sampleRate / 2. */
  fmax: number;
  /** Periodic window (scipy get_window(…, fftbins=True)). Paper: 'hamming'. */
  window: 'hamming' | 'hann';
  /** How the signal is extended by nFft/2 at both ends: librosa ≥ 0.9 'constant' (zeros), older 'reflect'. */
  padMode: 'constant' | 'reflect';
  /** power_to_db: values below max − topDb are clipped (dB). librosa default 80. */
  topDb: number;
  /** power_to_db amin: smallest power before the log. librosa default 1e-10. */
  amin: number;
}

export const PAPER_MEL_CONFIG: Readonly<MelConfig> = Object.freeze({
  sampleRate: 48000,
  nFft: 1024,
  winLength: 512,
  hopLength: 256,
  nMels: 128,
  fmin: 0,
  fmax: 24000,
  window: 'hamming',
  padMode: 'constant',
  topDb: 80,
  amin: 1e-10,
});

/** Periodic window of length n (scipy.signal.get_window(name, n, fftbins=True)). */
export function periodicWindow(name: 'hamming' | 'hann', n: number): Float64Array {
  const a0 = name === 'hamming' ? 0.54 : 0.5;
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = a0 - (1 - a0) * Math.cos((2 * Math.PI * i) / n);
  return w;
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
const DB_PER_OCTAVE = 10 * Math.log10(2);
const DB_PER_NEPER = 10 * Math.LOG10E;

/**
 * 10·log10(x) for positive float32 x, 4× faster than Math.log10 and within 1e-5 dB of it: exponent from the
 * float's bits plus an atanh series for the mantissa (t ≤ 1/3, truncation error < 1e-7). The dB conversion is
 * a third of the spectrogram's cost otherwise.
 */
function dbOfFloat32(x: number): number {
  f32[0] = x;
  const bits = i32[0]!;
  const e = ((bits >> 23) & 255) - 127;
  i32[0] = (bits & 0x7fffff) | 0x3f800000; // mantissa m in [1, 2)
  const m = f32[0]!;
  const t = (m - 1) / (m + 1);
  const t2 = t * t;
  const lnM = 2 * t * (1 + t2 * (1 / 3 + t2 * (1 / 5 + t2 * (1 / 7 + t2 * (1 / 9 + t2 * (1 / 11))))));
  return DB_PER_OCTAVE * e + DB_PER_NEPER * lnM;
}

export class MelSpectrogram {
  readonly config: Readonly<MelConfig>;
  readonly filterbank: MelFilterbank;
  readonly #fft: RealFft;
  readonly #window: Float32Array;
  /** Each FFT bin feeds at most two triangular bands: bin k adds w0[k]·|X_k|² to band b0[k] and w1[k]·|X_k|² to b1[k]. */
  readonly #b0: Int32Array;
  readonly #b1: Int32Array;
  readonly #w0: Float64Array;
  readonly #w1: Float64Array;
  /** Per-frame band accumulators; slot nMels is a sink for unused (zero-weight) entries. */
  readonly #acc: Float64Array;

  constructor(config: Partial<MelConfig> = {}) {
    const c: MelConfig = { ...PAPER_MEL_CONFIG, ...config };
    if (config.fmax === undefined && config.sampleRate !== undefined) c.fmax = c.sampleRate / 2;
    if (!Number.isInteger(c.nFft) || c.nFft < 16 || (c.nFft & (c.nFft - 1)) !== 0) throw new RangeError(`nFft must be a power of two ≥ 16, got ${c.nFft}`);
    if (!Number.isInteger(c.winLength) || c.winLength < 1 || c.winLength > c.nFft) throw new RangeError(`winLength must be in 1..nFft, got ${c.winLength}`);
    if (!Number.isInteger(c.hopLength) || c.hopLength < 1) throw new RangeError(`hopLength must be a positive integer, got ${c.hopLength}`);
    this.config = Object.freeze(c);
    this.filterbank = melFilterbank({ sampleRate: c.sampleRate, nFft: c.nFft, nMels: c.nMels, fmin: c.fmin, fmax: c.fmax });
    this.#fft = new RealFft(c.nFft);
    this.#window = Float32Array.from(periodicWindow(c.window, c.winLength));
    const nBins = c.nFft / 2 + 1;
    this.#b0 = new Int32Array(nBins).fill(c.nMels);
    this.#b1 = new Int32Array(nBins).fill(c.nMels);
    this.#w0 = new Float64Array(nBins);
    this.#w1 = new Float64Array(nBins);
    this.#acc = new Float64Array(c.nMels + 1);
    const { start, weights } = this.filterbank;
    for (let m = 0; m < c.nMels; m++) {
      const w = weights[m]!;
      for (let j = 0; j < w.length; j++) {
        if (w[j] === 0) continue;
        const k = start[m]! + j;
        if (this.#b0[k] === c.nMels) {
          this.#b0[k] = m;
          this.#w0[k] = w[j]!;
        } else if (this.#b1[k] === c.nMels) {
          this.#b1[k] = m;
          this.#w1[k] = w[j]!;
        } else {
          throw new RangeError('melSpectrogram: a frequency bin falls in more than two mel bands (unsupported filterbank)');
        }
      }
    }
  }

  /** Frames for a signal of n samples (center=True): 1 + floor(n / hop). 563 for 3 s at the paper's settings. */
  frameCount(nSamples: number): number {
    return 1 + Math.floor(nSamples / this.config.hopLength);
  }

  /** Mel power spectrogram S (float32, mel-major, nMels × frameCount(y.length)). */
  power(y: Float32Array, out?: Float32Array): Float32Array {
    const { nFft, winLength, hopLength, nMels, padMode } = this.config;
    const nFrames = this.frameCount(y.length);
    const S = out ?? new Float32Array(nMels * nFrames);
    if (S.length !== nMels * nFrames) throw new RangeError(`out must hold ${nMels * nFrames} values`);
    const n = y.length;
    const win = this.#window;
    const fft = this.#fft;
    const H = fft.heap;
    const ib = fft.inputIndex;
    const ob = fft.outputIndex;
    const half = nFft / 2;
    const b0 = this.#b0, b1 = this.#b1, w0 = this.#w0, w1 = this.#w1, acc = this.#acc;
    // The window sits centred in the n_fft frame; the zeros around it add nothing, and moving the
    // non-zero part to the front only changes the phase, not |X|², so only winLength samples are read.
    // The FFT input's tail [winLength, nFft) is zero from construction and never written.
    const offset = half - Math.floor((nFft - winLength) / 2);
    // Zero-padded clips (short utterances padded to 3 s) end in silence: frames that read only zeros have S = 0
    // exactly, so their FFT is skipped.
    let first = 0;
    while (first < n && y[first] === 0) first++;
    let last = n - 1;
    while (last >= 0 && y[last] === 0) last--;
    const reflect = padMode === 'reflect' && n >= 2;
    for (let t = 0; t < nFrames; t++) {
      const s0 = t * hopLength - offset;
      if (!reflect && (s0 > last || s0 + winLength <= first)) {
        for (let m = 0; m < nMels; m++) S[m * nFrames + t] = 0;
        continue;
      }
      if (s0 >= 0 && s0 + winLength <= n) {
        for (let j = 0; j < winLength; j++) H[ib + j] = y[s0 + j]! * win[j]!;
      } else {
        for (let j = 0; j < winLength; j++) {
          let i = s0 + j;
          if (i < 0 || i >= n) {
            if (padMode === 'constant' || n < 2) {
              H[ib + j] = 0;
              continue;
            }
            i = i < 0 ? -i : 2 * (n - 1) - i; // numpy 'reflect' (edge not repeated)
            if (i < 0 || i >= n) {
              H[ib + j] = 0;
              continue;
            }
          }
          H[ib + j] = y[i]! * win[j]!;
        }
      }
      fft.run();
      acc.fill(0);
      // Packed output: [X0.re, X(n/2).re, X1.re, X1.im, …].
      let p = H[ob]! * H[ob]!;
      acc[b0[0]!] += w0[0]! * p;
      acc[b1[0]!] += w1[0]! * p;
      p = H[ob + 1]! * H[ob + 1]!;
      acc[b0[half]!] += w0[half]! * p;
      acc[b1[half]!] += w1[half]! * p;
      for (let k = 1; k < half; k++) {
        const re = H[ob + 2 * k]!;
        const im = H[ob + 2 * k + 1]!;
        p = re * re + im * im;
        acc[b0[k]!] += w0[k]! * p;
        acc[b1[k]!] += w1[k]! * p;
      }
      for (let m = 0; m < nMels; m++) S[m * nFrames + t] = acc[m]!;
    }
    return S;
  }

  /** power_to_db(S, ref=max(S), amin, top_db), in place on a power spectrogram. */
  toDb(S: Float32Array): Float32Array {
    const { amin, topDb } = this.config;
    let ref = 0;
    for (let i = 0; i < S.length; i++) if (S[i]! > ref) ref = S[i]!;
    const refDb = 10 * Math.log10(Math.max(amin, ref));
    // With ref = max(S) the top value is 0 dB (or less when everything is below amin), so the floor is known
    // before any log: values under it in the power domain are clipped without computing their log (most cells).
    const maxDb = 10 * Math.log10(Math.max(amin, ref)) - refDb;
    const floor = maxDb - topDb;
    const floorPower = 10 ** ((floor + refDb) / 10);
    // Only valid when that threshold is above amin (otherwise tiny values map to 10·log10(amin) − refDb ≥ floor).
    const cut = floorPower >= amin ? floorPower : -1;
    const atAmin = 10 * Math.log10(amin) - refDb; // exact value for s ≤ amin (silence gives 0 dB like librosa)
    for (let i = 0; i < S.length; i++) {
      const s = S[i]!;
      if (s <= cut) S[i] = floor;
      else {
        const v = s <= amin ? atAmin : dbOfFloat32(s) - refDb;
        S[i] = v < floor ? floor : v;
      }
    }
    return S;
  }

  /** Mel spectrogram in dB relative to its maximum (the paper's feature), nMels × frames, mel-major. */
  compute(y: Float32Array, out?: Float32Array): Float32Array {
    return this.toDb(this.power(y, out));
  }
}
