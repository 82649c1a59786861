/**
 * `loadClip` = librosa.load(path, sr=48000, offset=0.5, duration=3) followed by the reference's zero padding to
 * exactly duration·sr samples. Native-rate window first (soundfile semantics: seek int(offset·sr_native),
 * read int(duration·sr_native) frames), then mono, then resampling — the order librosa uses.
 */
import { SerError } from '../../shared/errors.js';
import { decodeMonoWindow } from './decode.js';
import { Deadline, MAX_WINDOW_SECONDS } from './limits.js';
import { polyphaseSupports } from './polyphase.js';
import { resample, type ResampleQuality } from './resample.js';
import { badSampleReason, findBadSample } from './sampleCheck.js';
import { withFile, type ByteSource } from './source.js';

export interface LoadOptions {
  /** Target rate in Hz. Paper: 48000. */
  sampleRate?: number;
  /** Seconds skipped at the start (the silent lead-in of RAVDESS clips). Paper: 0.5. */
  offset?: number;
  /** Seconds kept. Paper: 3. `undefined` keeps everything after the offset. */
  duration?: number;
  /** Zero-pad / trim to exactly duration·sampleRate samples. Default true when a duration is given. */
  pad?: boolean;
  resampleQuality?: ResampleQuality;
}

export interface LoadedClip {
  samples: Float32Array;
  sampleRate: number;
  /** The file's own rate and channel count (for reports and problem detection). */
  nativeSampleRate: number;
  nativeChannels: number;
  /** Samples that came from the file before padding (0 means the offset was past the end). */
  validSamples: number;
  /** Length of the whole file in seconds; for FLAC/MP3/Ogg read only up to the window's end, a lower bound unless `lengthKnown`. */
  fileSeconds: number;
  lengthKnown: boolean;
  /** The file holds less audio than its header declares (a damaged copy): `fileSeconds` is what it holds. */
  truncated: boolean;
}

/**
 * Whether `resample` can take `from` Hz to `to` Hz: the polyphase tables cover every standard rate (352.8 and 384
 * kHz included); libsamplerate, used for the rest, takes rates up to 192 kHz only.
 */
function canResample(from: number, to: number, quality: ResampleQuality): boolean {
  if (from === to) return true;
  if (quality !== 'best' && polyphaseSupports(from, to)) return true;
  return from <= 192_000 && to <= 192_000;
}

/**
 * Decodes the clip from bytes in memory or an open file (`source.ts`): only the window offset..offset+duration is
 * read and converted, down-mixed to mono as it is decoded.
 */
export async function decodeClip(input: Uint8Array | ByteSource, file: string, opts: LoadOptions = {}, deadline?: Deadline): Promise<LoadedClip> {
  const sampleRate = opts.sampleRate ?? 48000;
  const offset = opts.offset ?? 0;
  const duration = opts.duration;
  const quality = opts.resampleQuality ?? 'medium';
  if (!(offset >= 0)) throw new SerError('bad-input', `offset must be ≥ 0 seconds, got ${offset}`);
  if (duration !== undefined && !(duration > 0 && duration <= MAX_WINDOW_SECONDS)) throw new SerError('bad-input', `duration must be > 0 and ≤ ${MAX_WINDOW_SECONDS} seconds, got ${duration}`);
  // Native rate first (soundfile semantics: seek int(offset·sr_native), read int(duration·sr_native) frames).
  let rate = 0;
  const decoded = await decodeMonoWindow(
    input,
    file,
    (sr) => {
      if (!canResample(sr, sampleRate, quality)) {
        throw new SerError('unsupported', `${file}: sample rate ${sr} Hz cannot be converted to ${sampleRate} Hz (above 192 kHz only standard rates such as 352.8 and 384 kHz are); resample it, e.g. \`sox in.wav -r 48000 out.wav\``);
      }
      rate = sr;
      return { start: Math.floor(offset * sr), ...(duration === undefined ? {} : { count: Math.floor(duration * sr) }) };
    },
    deadline,
    // Per channel, before mixing: +x in one channel and −x in the other would cancel out in the mono mix.
    (channels, at) => {
      const bad = findBadSample(channels);
      if (bad) throw new SerError('corrupt', `${file}: ${badSampleReason({ ...bad, index: at + bad.index }, rate, Math.floor(offset * rate) / rate)}`);
    },
  );
  const sr = decoded.sampleRate;
  const mono = decoded.samples;
  let y: Float32Array;
  try {
    y = await resample(mono, sr, sampleRate, quality);
  } catch (err) {
    throw new SerError('unsupported', `${file}: cannot resample ${sr} Hz to ${sampleRate} Hz (${err instanceof Error ? err.message : String(err)})`);
  }
  const validSamples = y.length;
  const pad = opts.pad ?? duration !== undefined;
  if (pad && duration !== undefined) {
    const want = Math.floor(duration * sampleRate);
    if (y.length !== want) {
      const out = new Float32Array(want);
      out.set(y.length > want ? y.subarray(0, want) : y);
      y = out;
    }
  }
  return {
    samples: y,
    sampleRate,
    nativeSampleRate: sr,
    nativeChannels: decoded.channels,
    validSamples: Math.min(validSamples, y.length),
    fileSeconds: decoded.totalFrames / sr,
    lengthKnown: decoded.lengthKnown,
    truncated: decoded.truncated,
  };
}

/** librosa.load(path, sr, offset, duration) + zero padding; errors name the file. */
export async function loadClip(path: string, opts: LoadOptions = {}): Promise<LoadedClip> {
  return withFile(path, (src) => decodeClip(src, path, opts, new Deadline(path)));
}
