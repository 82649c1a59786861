/**
 * Which clips a run trains, validates and tests on, and which noisy copies it makes. Augmentation happens
 * after the split and only for training clips (the reference's first version augmented before splitting, so
 * noisy twins of test clips were trained on — a leak this plan cannot express: copies derive from train files).
 */
import { createHash } from 'node:crypto';
import { SerError } from '../../shared/errors.js';
import { EMOTIONS } from '../../shared/labels.js';
import { Rng } from '../audio/rng.js';
import { cacheKey, type CacheEntryRef } from '../dataset/featureCache.js';
import type { DatasetFile } from '../dataset/scan.js';
import type { Split } from '../dataset/splits.js';
import type { AugmentConfig } from './types.js';

export interface PlannedSample extends CacheEntryRef {
  /** Cache key of the features. */
  key: string;
  /** Emotion index. */
  label: number;
  /** Dataset-relative path (reports, misclassified clips). */
  path: string;
  speaker: string | null;
}

export interface SamplePlan {
  train: PlannedSample[];
  val: PlannedSample[];
  test: PlannedSample[];
}

function sample(f: DatasetFile, augment?: CacheEntryRef['augment']): PlannedSample {
  const ref: CacheEntryRef = { absPath: f.absPath, contentHash: f.contentHash!, ...(augment ? { augment } : {}) };
  return { ...ref, key: cacheKey(ref), label: EMOTIONS.indexOf(f.emotion!), path: f.path, speaker: f.speaker ?? null };
}

/** A 31-bit seed for copy `k` of a file, stable across machines and runs with the same seed. */
function copySeed(seed: number, contentHash: string, k: number): number {
  return createHash('sha256').update(`${seed}:${contentHash}:${k}`).digest().readUInt32LE(0) & 0x7fffffff;
}

/** The speed range in whole hundredths, or undefined when speed perturbation is off. */
function speedHundredths(a: AugmentConfig): { low: number; high: number } | undefined {
  if (a.speedLow === undefined && a.speedHigh === undefined) return undefined;
  const low = Math.round((a.speedLow ?? 1) * 100);
  const high = Math.round((a.speedHigh ?? 1) * 100);
  if (!(low >= 50 && high <= 200 && low <= high)) throw new RangeError(`augment speed range must be low ≤ high within 0.5..2, got ${a.speedLow}:${a.speedHigh}`);
  return low === 100 && high === 100 ? undefined : { low, high };
}

/**
 * A symmetric bound (the time shift's, in seconds; the pitch shift's, a fraction) in whole hundredths, or 0 when
 * off; `what` and `unit` name it in the error, e.g. "augment shift must be within 0..1 s".
 */
function boundHundredths(value: number | undefined, max: number, what: string, unit = ''): number {
  const h = Math.round((value ?? 0) * 100);
  if (!(h >= 0 && h <= max * 100)) throw new RangeError(`augment ${what} must be within 0..${max}${unit}, got ${value}`);
  return h;
}

export function planSamples(files: DatasetFile[], split: Pick<Split, 'train' | 'val' | 'test'>, augment: AugmentConfig, seed: number): SamplePlan {
  if (!(Number.isInteger(augment.copies) && augment.copies >= 0)) throw new RangeError(`augment copies must be a non-negative integer, got ${augment.copies}`);
  if (augment.copies > 0 && !(augment.snrHigh > augment.snrLow)) throw new RangeError(`augment SNR range must be low < high, got ${augment.snrLow}:${augment.snrHigh}`);
  const speeds = speedHundredths(augment);
  const shiftMax = boundHundredths(augment.shift, 1, 'shift', ' s');
  const pitchMax = boundHundredths(augment.pitchShift, 0.5, 'pitch shift');
  const train: PlannedSample[] = [];
  for (const i of split.train) {
    const f = files[i]!;
    train.push(sample(f));
    for (let k = 0; k < augment.copies; k++) {
      const noiseSeed = copySeed(seed, f.contentHash!, k);
      // One integer SNR per copy, like numpy.random.randint(snr_low, snr_high) in the reference.
      const snrDb = new Rng(noiseSeed ^ 0x2545f491).int(augment.snrLow, augment.snrHigh);
      // The speed from a stream of its own, so turning it on leaves every copy's noise and SNR as they were.
      const speed = speeds ? new Rng(noiseSeed ^ 0x5bd1e995).int(speeds.low, speeds.high + 1) / 100 : 1;
      // The shift from a third stream: turning it on leaves noise, SNR and speed as they were.
      const shift = shiftMax ? new Rng(noiseSeed ^ 0x68e31da4).int(-shiftMax, shiftMax + 1) / 100 : 0;
      // The pitch from a fourth: noise, SNR, speed and shift stay as they were.
      const pitch = pitchMax ? (100 + new Rng(noiseSeed ^ 0x1b873593).int(-pitchMax, pitchMax + 1)) / 100 : 1;
      train.push(sample(f, { noiseSeed, snrDb, ...(speed !== 1 ? { speed } : {}), ...(shift !== 0 ? { shift } : {}), ...(pitch !== 1 ? { pitch } : {}) }));
    }
  }
  return { train, val: split.val.map((i) => sample(files[i]!)), test: split.test.map((i) => sample(files[i]!)) };
}

/**
 * The speakers of a run's training samples, sorted: the classes of a speaker adversary's head
 * (model/speakerAdversary.ts). Throws SerError('bad-input') when a clip has no speaker or fewer than 2 speakers train.
 */
export function trainingSpeakers(train: readonly PlannedSample[]): string[] {
  const anonymous = train.find((s) => s.speaker === null);
  if (anonymous) throw new SerError('bad-input', `${anonymous.path}: no speaker id, and speaker-adversarial training needs one for every training clip (RAVDESS, CREMA-D, TESS and SAVEE names carry it)`);
  const speakers = [...new Set(train.map((s) => s.speaker!))].sort();
  if (speakers.length < 2) throw new SerError('bad-input', `speaker-adversarial training needs at least 2 training speakers, the split has ${speakers.length}`);
  return speakers;
}
