/**
 * Is a recorded take usable for tuning? Two checks a person can act on: too little voice (they started late,
 * spoke too softly, or the microphone was muted) and clipping (too close to the microphone, or the input gain too
 * high: the waveform's tops are cut flat, which the model never heard in training). Both are flags, not refusals:
 * the caller shows them and the person keeps, re-records or drops the take.
 *
 * Voice activity is energy-based, per 20 ms frame (10 ms hop): a frame is voiced when its RMS level is at least
 * all three of `minVoiceDb` dBFS (an absolute floor), `aboveNoiseDb` above the recording's noise floor (its 10th
 * percentile frame level) and no more than `belowPeakDb` under its loudest frame. A noise-only take therefore has
 * no voiced frame however loud the noise, and breaths or room noise between words do not count as voice.
 */

export interface TakeQualityOptions {
  /** Voiced seconds below this flag the take as `short`. Default 1 s (a RAVDESS statement has 1.2–2.5 s of voice). */
  minVoiceSeconds?: number;
  /**
   * Absolute floor of a voiced frame, dBFS. Default −60: RAVDESS's quiet takes (neutral, sad) have voiced frames
   * down to −55 dBFS; with −60 every one of the 240 dev clips has 1.2–2.7 s of voice, with −50 21 of them had < 1 s.
   */
  minVoiceDb?: number;
  /** A voiced frame is at least this far above the noise floor (10th percentile frame), dB. Default 10. */
  aboveNoiseDb?: number;
  /** …and at most this far below the loudest frame, dB. Default 35. */
  belowPeakDb?: number;
  /** |sample| at or above this counts as "at full scale". Default 0.99 (−0.09 dBFS). */
  clipLevel?: number;
  /** This many samples at full scale or more flag the take as `clipped`. Default 10 (≈ 0.2 ms at 48 kHz). */
  minClippedSamples?: number;
}

export type TakeFlag = 'short' | 'clipped';

export interface TakeQuality {
  /** Seconds of voice found (voiced frames × hop). */
  voicedSeconds: number;
  /** Whole-take length, s. */
  seconds: number;
  /** Peak |sample|, linear (1 = full scale), and RMS over the whole take. */
  peak: number;
  rms: number;
  /** Samples at or above `clipLevel`. */
  clippedSamples: number;
  /** Empty when the take looks usable. */
  flags: TakeFlag[];
  /** One line per flag, naming the measured value and the threshold ("only 0.4 s of voice (needs 1 s)"). */
  reasons: string[];
}

export const TAKE_QUALITY_DEFAULTS: Readonly<Required<TakeQualityOptions>> = Object.freeze({
  minVoiceSeconds: 1,
  minVoiceDb: -60,
  aboveNoiseDb: 10,
  belowPeakDb: 35,
  clipLevel: 0.99,
  minClippedSamples: 10,
});

const FRAME_SECONDS = 0.02;
const HOP_SECONDS = 0.01;

const toDb = (x: number) => (x > 0 ? 20 * Math.log10(x) : -Infinity);

/** Per-frame RMS in dBFS (frames of 20 ms every 10 ms; a take shorter than one frame is one frame). */
export function frameLevelsDb(samples: Float32Array, sampleRate: number): Float64Array {
  const frame = Math.max(1, Math.round(FRAME_SECONDS * sampleRate));
  const hop = Math.max(1, Math.round(HOP_SECONDS * sampleRate));
  const n = samples.length <= frame ? (samples.length ? 1 : 0) : 1 + Math.floor((samples.length - frame) / hop);
  const out = new Float64Array(n);
  for (let f = 0; f < n; f++) {
    const start = f * hop;
    const end = Math.min(samples.length, start + frame);
    let e = 0;
    for (let i = start; i < end; i++) e += samples[i]! * samples[i]!;
    out[f] = toDb(Math.sqrt(e / (end - start)));
  }
  return out;
}

/**
 * Measures a take (mono float samples, any rate). `samples` is not modified.
 * Throws RangeError for a non-positive sample rate or an option outside its range.
 */
export function checkTake(samples: Float32Array, sampleRate: number, options: TakeQualityOptions = {}): TakeQuality {
  if (!(sampleRate > 0)) throw new RangeError(`sampleRate must be > 0, got ${sampleRate}`);
  const o = { ...TAKE_QUALITY_DEFAULTS, ...options };
  if (!(o.clipLevel > 0 && o.clipLevel <= 1)) throw new RangeError(`clipLevel must be in (0, 1], got ${o.clipLevel}`);
  if (!(o.minVoiceSeconds >= 0)) throw new RangeError(`minVoiceSeconds must be ≥ 0, got ${o.minVoiceSeconds}`);

  let peak = 0;
  let e = 0;
  let clipped = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]!;
    const a = v < 0 ? -v : v;
    if (a > peak) peak = a;
    if (a >= o.clipLevel) clipped++;
    e += v * v;
  }
  const levels = frameLevelsDb(samples, sampleRate);
  let voiced = 0;
  if (levels.length) {
    const sorted = Float64Array.from(levels).sort();
    const noise = sorted[Math.floor(0.1 * (sorted.length - 1))]!;
    const loudest = sorted[sorted.length - 1]!;
    const threshold = Math.max(o.minVoiceDb, noise + o.aboveNoiseDb, loudest - o.belowPeakDb);
    for (const l of levels) if (l >= threshold) voiced++;
  }
  const hop = Math.max(1, Math.round(HOP_SECONDS * sampleRate)) / sampleRate;
  const voicedSeconds = Math.min(samples.length / sampleRate, voiced * hop);

  const flags: TakeFlag[] = [];
  const reasons: string[] = [];
  if (voicedSeconds < o.minVoiceSeconds) {
    flags.push('short');
    reasons.push(`short: only ${voicedSeconds.toFixed(1)} s of voice (needs ${o.minVoiceSeconds} s); speak the whole sentence while it records, closer to the microphone`);
  }
  if (clipped >= o.minClippedSamples) {
    flags.push('clipped');
    reasons.push(`clipped: ${clipped} samples at full scale (≥ ${toDb(o.clipLevel).toFixed(2)} dBFS); move back from the microphone or lower its input gain`);
  }
  return {
    voicedSeconds: Math.round(voicedSeconds * 100) / 100,
    seconds: samples.length / sampleRate,
    peak,
    rms: samples.length ? Math.sqrt(e / samples.length) : 0,
    clippedSamples: clipped,
    flags,
    reasons,
  };
}
