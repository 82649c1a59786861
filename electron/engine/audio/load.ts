/**
 * `loadClip` = librosa.load(path, sr=48000, offset=0.5, duration=3) followed by the reference's zero padding to
 * exactly duration·sr samples. Native-rate window first (soundfile semantics: seek int(offset·sr_native),
 * read int(duration·sr_native) frames), then mono, then resampling — the order librosa uses.
 */
import { readFile } from 'node:fs/promises';
import { SerError } from '../errors.js';
import { decodeAudio, sniffFormat, toMono } from './decode.js';
import type { DecodedAudio } from './types.js';
import { readWavInfo } from './wav.js';
import { resample, type ResampleQuality } from './resample.js';
import { badSampleReason, findBadSample } from './sampleCheck.js';

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
  /** Length of the whole file in seconds. */
  fileSeconds: number;
}

/** Reads a file, mapping OS errors to messages naming the file and what to do. */
export async function readAudioFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SerError('not-found', `${path}: no such file`);
    if (code === 'EACCES' || code === 'EPERM') throw new SerError('unreadable', `${path}: permission denied; check the file's permissions`);
    if (code === 'EISDIR') throw new SerError('bad-input', `${path}: is a directory, not an audio file`);
    throw new SerError('unreadable', `${path}: cannot read file (${(err as Error).message})`);
  }
}

export async function decodeClip(bytes: Uint8Array, file: string, opts: LoadOptions = {}): Promise<LoadedClip> {
  const sampleRate = opts.sampleRate ?? 48000;
  const offset = opts.offset ?? 0;
  const duration = opts.duration;
  if (!(offset >= 0)) throw new SerError('bad-input', `offset must be ≥ 0 seconds, got ${offset}`);
  if (duration !== undefined && !(duration > 0)) throw new SerError('bad-input', `duration must be > 0 seconds, got ${duration}`);
  // The native rate turns seconds into frames: read from the header for WAV (only the window is then
  // converted); compressed formats are decoded whole once and sliced.
  let decoded: DecodedAudio;
  let sr: number;
  const frameWindow = (rate: number) => ({ start: Math.floor(offset * rate), ...(duration === undefined ? {} : { count: Math.floor(duration * rate) }) });
  if (sniffFormat(bytes) === 'wav') {
    sr = readWavInfo(bytes, file).sampleRate;
    decoded = await decodeAudio(bytes, file, frameWindow(sr));
  } else {
    const all = await decodeAudio(bytes, file);
    sr = all.sampleRate;
    const w = frameWindow(sr);
    const s = Math.min(all.totalFrames, w.start);
    const e = w.count === undefined ? all.totalFrames : Math.min(all.totalFrames, s + w.count);
    decoded = { ...all, channels: all.channels.map((c) => c.subarray(s, e)) };
  }
  // Per channel, before mixing: +x in one channel and −x in the other would cancel out in the mono mix.
  const bad = findBadSample(decoded.channels);
  if (bad) throw new SerError('corrupt', `${file}: ${badSampleReason(bad, sr, Math.floor(offset * sr) / sr)}`);
  const mono = toMono(decoded.channels);
  let y = await resample(mono, sr, sampleRate, opts.resampleQuality);
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
    nativeChannels: decoded.channels.length,
    validSamples: Math.min(validSamples, y.length),
    fileSeconds: decoded.totalFrames / sr,
  };
}

/** librosa.load(path, sr, offset, duration) + zero padding; errors name the file. */
export async function loadClip(path: string, opts: LoadOptions = {}): Promise<LoadedClip> {
  return decodeClip(await readAudioFile(path), path, opts);
}
