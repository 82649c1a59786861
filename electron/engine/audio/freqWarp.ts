/**
 * Random frequency warping of a mel dB spectrogram, for training only: a crude vocal-tract-length perturbation
 * (VTLP, Jaitly & Hinton 2013) applied on the mel axis. Row m of the output is row m/α of the input (linear
 * interpolation, the top row repeated past the edge), α uniform in [1 − maxWarp, 1 + maxWarp]: α > 1 moves
 * formants up as a shorter vocal tract would, α < 1 down. New speakers differ most in exactly this, which is
 * why it is offered for speaker-independent training.
 */
import type { Rng } from './rng.js';

/** Warps `mel` (nMels × nFrames, mel-major) into `out` by the factor `alpha`; returns `out`. */
export function warpMel(mel: Float32Array, nMels: number, nFrames: number, alpha: number, out: Float32Array): Float32Array {
  if (mel.length !== nMels * nFrames || out.length !== mel.length) throw new RangeError(`warpMel: expected ${nMels}×${nFrames} values`);
  if (!(alpha > 0) || !Number.isFinite(alpha)) throw new RangeError(`warpMel: the factor must be > 0, got ${alpha}`);
  if (out === mel) throw new RangeError('warpMel: out must not be the input');
  for (let m = 0; m < nMels; m++) {
    const src = Math.min(m / alpha, nMels - 1);
    const lo = Math.floor(src);
    const hi = Math.min(lo + 1, nMels - 1);
    const f = src - lo;
    const a = lo * nFrames;
    const b = hi * nFrames;
    const o = m * nFrames;
    for (let t = 0; t < nFrames; t++) out[o + t] = mel[a + t]! + f * (mel[b + t]! - mel[a + t]!);
  }
  return out;
}

/** A factor for one clip: uniform in [1 − maxWarp, 1 + maxWarp]. */
export function drawWarp(maxWarp: number, rng: Rng): number {
  return 1 + maxWarp * (2 * rng.next() - 1);
}
