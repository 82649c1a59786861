/**
 * SpecAugment-style masking (Park et al. 2019, without time warping) of a mel dB spectrogram, for training only:
 * `freqMasks` bands of f consecutive mel rows and `timeMasks` spans of t consecutive frames are replaced by the
 * clip's mean dB, with f uniform in [0, freqWidth] and t uniform in [0, timeWidth] (integers). Masking makes the
 * model stop leaning on a few bands or moments — the usual remedy for small speech corpora and new speakers.
 */
import type { Rng } from './rng.js';

export interface SpecAugmentConfig {
  /** Frequency masks per clip, ≥ 0. Usual: 2. */
  freqMasks: number;
  /** Widest frequency mask, in mel rows (of 128), ≥ 0. Usual: 15–27. */
  freqWidth: number;
  /** Time masks per clip, ≥ 0. Usual: 2. */
  timeMasks: number;
  /** Widest time mask, in frames (5.3 ms each at hop 256 / 48 kHz), ≥ 0. Usual: 40 (≈ 0.2 s). */
  timeWidth: number;
}

/** Parses `F:W,T:W` (e.g. `2:16,2:40`); throws RangeError naming what is wrong. */
export function parseSpecAugment(spec: string): SpecAugmentConfig {
  const m = /^(\d+):(\d+),(\d+):(\d+)$/.exec(spec.trim());
  if (!m) throw new RangeError(`spec augment expects freqMasks:freqWidth,timeMasks:timeWidth, e.g. 2:16,2:40; got '${spec}'`);
  const [freqMasks, freqWidth, timeMasks, timeWidth] = m.slice(1).map(Number) as [number, number, number, number];
  if (freqMasks > 16 || timeMasks > 16) throw new RangeError(`spec augment: at most 16 masks of each kind, got ${freqMasks} and ${timeMasks}`);
  return { freqMasks, freqWidth, timeMasks, timeWidth };
}

/**
 * Masks `mel` (nMels × nFrames, mel-major) in place and returns it. Widths are clamped to the spectrogram; masks
 * may overlap. Deterministic for a given generator state.
 */
export function specAugment(mel: Float32Array, nMels: number, nFrames: number, cfg: SpecAugmentConfig, rng: Rng): Float32Array {
  if (mel.length !== nMels * nFrames) throw new RangeError(`specAugment: expected ${nMels}×${nFrames} values, got ${mel.length}`);
  let sum = 0;
  for (let i = 0; i < mel.length; i++) sum += mel[i]!;
  const fill = sum / mel.length;
  for (let k = 0; k < cfg.freqMasks; k++) {
    const w = Math.min(rng.int(0, cfg.freqWidth + 1), nMels);
    const f0 = rng.int(0, nMels - w + 1);
    mel.fill(fill, f0 * nFrames, (f0 + w) * nFrames);
  }
  for (let k = 0; k < cfg.timeMasks; k++) {
    const w = Math.min(rng.int(0, cfg.timeWidth + 1), nFrames);
    const t0 = rng.int(0, nFrames - w + 1);
    for (let m = 0; m < nMels; m++) mel.fill(fill, m * nFrames + t0, m * nFrames + t0 + w);
  }
  return mel;
}
