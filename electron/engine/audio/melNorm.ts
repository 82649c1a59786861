/**
 * Per-clip normalisation of a mel dB matrix (`--mel-norm utterance`): each mel band's mean over the clip's frames is
 * subtracted, the mel-domain form of cepstral mean normalisation. The paper's dB is already relative to the clip's
 * loudest bin (ref = max), so level is gone either way; this also removes the clip's average spectral envelope — the
 * microphone and room, much of a speaker's timbre — and keeps how each band moves within the clip. Pure, in place.
 */

/** melDb (nMels × nFrames, mel-major) with every band's mean over its frames subtracted, in place. */
export function subtractBandMeans(melDb: Float32Array, nMels: number, nFrames: number): Float32Array {
  if (melDb.length < nMels * nFrames) throw new RangeError(`subtractBandMeans: ${melDb.length} values are fewer than ${nMels} × ${nFrames}`);
  if (nFrames === 0) return melDb;
  for (let m = 0; m < nMels; m++) {
    const row = melDb.subarray(m * nFrames, (m + 1) * nFrames);
    let sum = 0;
    for (let t = 0; t < nFrames; t++) sum += row[t]!;
    const mean = sum / nFrames;
    for (let t = 0; t < nFrames; t++) row[t] = row[t]! - mean;
  }
  return melDb;
}
