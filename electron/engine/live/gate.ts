/**
 * Energy / voice-activity gate for live windows. The model's features are mel dB *relative to the window's own
 * maximum*, so a window of room noise is stretched to the same 80 dB range as speech and the model would name an
 * emotion for it. The gate looks at absolute level instead: a window counts as voiced when enough of its short
 * frames are above a dBFS threshold. Cheap (one pass over 144,000 samples), so silent windows skip inference.
 */

export interface GateOptions {
  /** A short frame is "voiced" when its RMS is at least this many dBFS (default −50: above a quiet room's floor). */
  thresholdDbfs: number;
  /** The window is voiced when at least this fraction of its frames are (default 0.1 = 0.3 s of a 3 s window). */
  minVoicedFraction: number;
  /** Frame length in ms for the per-frame RMS (default 20). */
  frameMs: number;
}

export const DEFAULT_GATE: Readonly<GateOptions> = Object.freeze({ thresholdDbfs: -50, minVoicedFraction: 0.1, frameMs: 20 });

export interface GateResult {
  /** RMS of the whole window, linear (1 = full scale). */
  rms: number;
  /** The same in dBFS (−Infinity for digital silence). */
  dbfs: number;
  /** Fraction of frames at or above the threshold. */
  voicedFraction: number;
  voiced: boolean;
}

export function toDbfs(linear: number): number {
  return linear > 0 ? 20 * Math.log10(linear) : -Infinity;
}

/** Applies the gate to one window of samples at `sampleRate`. */
export function gateWindow(samples: Float32Array, sampleRate: number, opts: GateOptions = DEFAULT_GATE): GateResult {
  const frame = Math.max(1, Math.round((opts.frameMs / 1000) * sampleRate));
  // Compare energies, not dB, per frame: sum(x²) ≥ n · 10^(dB/10).
  const minMeanSquare = 10 ** (opts.thresholdDbfs / 10);
  let total = 0;
  let frames = 0;
  let voicedFrames = 0;
  for (let start = 0; start < samples.length; start += frame) {
    const end = Math.min(samples.length, start + frame);
    let e = 0;
    for (let i = start; i < end; i++) {
      const v = samples[i]!;
      e += v * v;
    }
    total += e;
    frames++;
    if (e >= minMeanSquare * (end - start)) voicedFrames++;
  }
  const rms = samples.length ? Math.sqrt(total / samples.length) : 0;
  const voicedFraction = frames ? voicedFrames / frames : 0;
  return { rms, dbfs: toDbfs(rms), voicedFraction, voiced: frames > 0 && voicedFraction >= opts.minVoicedFraction };
}
