/**
 * Pitch shift that keeps the tempo, for training copies: another voice saying the same thing at the same rate.
 * The window is played `factor` times faster (pitch and formants up by the factor: speed.ts's changeSpeed), and its mel
 * spectrogram is then stretched back in time by the factor, so the speech runs at the original rate again.
 *
 * Why on the spectrogram: a phase vocoder's time stretch keeps each frame's magnitudes and rebuilds the phase; the
 * features keep magnitudes only, so stretching the frames is that stretch without the phase work (up to the STFT's
 * time resolution, one hop). Unlike freqWarp.ts, which scales the mel axis (far more than the factor in the
 * upper, logarithmic bands), every frequency moves by the same ratio, as a real change of voice does.
 */

/**
 * `mel` (nMels × nIn frames, mel-major) stretched in time to `nOut` frames for a pitch `factor`: output frame t
 * reads input frame t / factor (the content at that time in the sped-up signal), linearly interpolated, the last
 * frame repeated past the end. Returns a new array of nMels × nOut.
 */
export function stretchFrames(mel: Float32Array, nMels: number, nIn: number, nOut: number, factor: number): Float32Array {
  if (mel.length !== nMels * nIn) throw new RangeError(`stretchFrames: expected ${nMels}×${nIn} values, got ${mel.length}`);
  if (!(factor > 0) || !Number.isFinite(factor)) throw new RangeError(`stretchFrames: the factor must be > 0, got ${factor}`);
  if (!(Number.isInteger(nOut) && nOut >= 1)) throw new RangeError(`stretchFrames: nOut must be a positive integer, got ${nOut}`);
  const out = new Float32Array(nMels * nOut);
  for (let t = 0; t < nOut; t++) {
    const src = Math.min(t / factor, nIn - 1);
    const lo = Math.floor(src);
    const hi = Math.min(lo + 1, nIn - 1);
    const f = src - lo;
    for (let m = 0; m < nMels; m++) {
      const row = m * nIn;
      out[m * nOut + t] = mel[row + lo]! + f * (mel[row + hi]! - mel[row + lo]!);
    }
  }
  return out;
}
