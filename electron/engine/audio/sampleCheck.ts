/**
 * Which decoded samples the feature pipeline accepts: finite ones no larger in magnitude than 2^24.
 *
 * Integer PCM decodes into [−1, 1) by construction; float WAVs can hold anything up to ±3.4e38, Inf and NaN. One
 * sample of 1e30 makes the spectrogram's power (≈ n_fft² · x²) overflow float32, and since mel dB is taken relative
 * to the clip's maximum, every value of that clip becomes −Inf or NaN — which, cached, turns a whole run's scaler into
 * NaN. The limit is far above any real signal (float audio is nominally ±1; even "integer-scaled" float variants
 * stay within ±2^23) and far below where the pipeline loses precision or overflows (measured finite up to 1e19), so
 * it refuses only corrupt or synthetic data, by name, instead of computing garbage from it.
 */
export const MAX_SAMPLE_MAGNITUDE = 2 ** 24;

export interface BadSample {
  /** 0-based channel. */
  channel: number;
  /** Frame index within the samples checked. */
  index: number;
  value: number;
}

/** The first sample that is NaN, ±Inf or larger in magnitude than MAX_SAMPLE_MAGNITUDE, if any. */
export function findBadSample(channels: readonly Float32Array[]): BadSample | undefined {
  for (let c = 0; c < channels.length; c++) {
    const ch = channels[c]!;
    for (let i = 0; i < ch.length; i++) {
      // Written so NaN fails it too.
      if (!(Math.abs(ch[i]!) <= MAX_SAMPLE_MAGNITUDE)) return { channel: c, index: i, value: ch[i]! };
    }
  }
  return undefined;
}

/** The problem as scan reports and errors name it; `startSec` is where the checked samples begin in the file. */
export function badSampleReason(bad: BadSample, sampleRate: number, startSec = 0): string {
  const v = Number.isFinite(bad.value) ? bad.value.toPrecision(3) : String(bad.value);
  const at = (startSec + bad.index / sampleRate).toFixed(3);
  return `non-finite or overflowing samples (${v} at ${at} s, channel ${bad.channel + 1}; samples must be finite and within ±${MAX_SAMPLE_MAGNITUDE}); re-export the file`;
}
