/**
 * Speed perturbation (Ko et al. 2015, Kaldi's `speed` augmentation): a clip played `speed` times faster, tempo and
 * pitch together — samples taken as if recorded at sampleRate·speed and resampled back to sampleRate. Formant and
 * pitch shifts of a few percent look like another voice to the model, which is what a corpus of 20 actors lacks.
 */
import { resample } from './resample.js';

/** Speeds are whole hundredths, so sampleRate·speed is an integer rate the polyphase tables cover (≤ 100 phases). */
export function speedRate(sampleRate: number, speed: number): number {
  if (!(Number.isFinite(speed) && speed > 0)) throw new RangeError(`speed must be a positive number, got ${speed}`);
  return Math.round(sampleRate * speed);
}

/**
 * `x` (at `sampleRate`) played `speed` times faster: ceil(n / speed) samples. To fill a window of d seconds, take
 * d·speed seconds of the source.
 */
export async function changeSpeed(x: Float32Array, speed: number, sampleRate: number): Promise<Float32Array> {
  if (speed === 1) return x;
  return resample(x, speedRate(sampleRate, speed), sampleRate);
}
