/**
 * Records an utterance from an input device into memory (48 kHz mono float): for `ser record` and the app's
 * "my recordings". Stops after `seconds`, on `signal` abort (Ctrl-C, a Stop button) or when the device fails;
 * in every case the audio captured so far is returned, with how the capture ended, so the caller can still save it.
 */
import { startCapture, CAPTURE_RATE, type CaptureEnd, type CaptureOptions, type OpenedDevice } from './capture.js';

export interface RecordProgress {
  /** Seconds recorded so far. */
  seconds: number;
  /** RMS and peak (linear, 0–1) of the audio since the previous progress event: a level meter. */
  rms: number;
  peak: number;
}

export interface RecordOptions extends CaptureOptions {
  /** Stop after this many seconds (exactly this many frames are kept); undefined = until aborted. */
  seconds?: number;
  /** Abort to stop early (the recording so far is kept). */
  signal?: AbortSignal;
  /** Called once the device is open, before any audio: the moment to tell the user to speak. */
  onStart?: (opened: OpenedDevice) => void;
  /** Level/progress, at most every `progressMs` (default 100). */
  onProgress?: (p: RecordProgress) => void;
  progressMs?: number;
}

export interface Recording {
  samples: Float32Array;
  sampleRate: typeof CAPTURE_RATE;
  seconds: number;
  /** Whole-recording RMS and peak, linear (1 = full scale). */
  rms: number;
  peak: number;
  opened: OpenedDevice;
  /** `reason: 'stopped'` for a duration reached / abort; 'error' with the device error otherwise. */
  end: CaptureEnd;
}

export function levels(x: Float32Array): { rms: number; peak: number } {
  let e = 0;
  let peak = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    e += v * v;
    const a = v < 0 ? -v : v;
    if (a > peak) peak = a;
  }
  return { rms: x.length ? Math.sqrt(e / x.length) : 0, peak };
}

/** Records; rejects only when the device cannot be opened at all (SerError), otherwise resolves with what was captured. */
export async function recordAudio(opts: RecordOptions = {}): Promise<Recording> {
  const limit = opts.seconds === undefined ? Infinity : Math.round(opts.seconds * CAPTURE_RATE);
  if (opts.signal?.aborted) throw new DOMException('recording aborted before it started', 'AbortError');
  const session = await startCapture(opts);
  opts.onStart?.(session.opened);
  const blocks: Float32Array[] = [];
  let kept = 0;
  const progressMs = opts.progressMs ?? 100;
  let lastProgress = 0;
  let sinceE = 0;
  let sinceN = 0;
  let sincePeak = 0;
  const stop = () => void session.stop();
  opts.signal?.addEventListener('abort', stop, { once: true });
  session.onBlock((b) => {
    if (kept >= limit) return;
    const take = Math.min(b.samples.length, limit - kept);
    const part = take === b.samples.length ? b.samples : b.samples.subarray(0, take);
    blocks.push(part);
    kept += take;
    const l = levels(part);
    sinceE += l.rms * l.rms * part.length;
    sinceN += part.length;
    if (l.peak > sincePeak) sincePeak = l.peak;
    if (opts.onProgress && (b.deliveredAtMs - lastProgress >= progressMs || kept >= limit)) {
      opts.onProgress({ seconds: kept / CAPTURE_RATE, rms: Math.sqrt(sinceE / Math.max(1, sinceN)), peak: sincePeak });
      lastProgress = b.deliveredAtMs;
      sinceE = sinceN = sincePeak = 0;
    }
    if (kept >= limit) stop();
  });
  const end = await session.ended;
  opts.signal?.removeEventListener('abort', stop);
  const samples = new Float32Array(kept);
  let o = 0;
  for (const b of blocks) {
    samples.set(b, o);
    o += b.length;
  }
  return { samples, sampleRate: CAPTURE_RATE, seconds: kept / CAPTURE_RATE, ...levels(samples), opened: session.opened, end };
}
