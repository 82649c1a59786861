/**
 * What the decoders accept, in one place (docs/audio-pipeline.md, "Bad input"). Every limit exists so that one
 * hostile or broken file can neither hang a scan nor grow the process to gigabytes; each refusal is a one-line
 * SerError naming the file and the limit.
 */
import { SerError } from '../../shared/errors.js';

/** Channels per file. 64 covers every real recorder and ambisonic order ≤ 7; headers claiming more are refused. */
export const MAX_CHANNELS = 64;
/** Lowest sample rate (Hz): nothing real is slower (telephony is 8 kHz); a lower rate is a damaged header. */
export const MIN_SAMPLE_RATE = 1000;
/** Highest sample rate (Hz): 384 kHz, the top studio rate (352.8 kHz DXD included). */
export const MAX_SAMPLE_RATE = 384_000;
/** Largest WAV file read at all (512 MiB ≈ 46 min of 48 kHz 16-bit stereo): a scan hashes every byte. */
export const MAX_WAV_BYTES = 512 * 1024 * 1024;
/** Largest FLAC / MP3 / Ogg file: these decode at a few MB/s, and a scan decodes them whole to measure them. */
export const MAX_COMPRESSED_BYTES = 64 * 1024 * 1024;
/** Longest window decoded at once (s): `ser features --duration` allows as much; memory is ≈ 4 bytes per native-rate frame. */
export const MAX_WINDOW_SECONDS = 600;
/** Time one file may take to hash and decode; a decoder still working after this is given up on, naming the file. */
export const FILE_TIME_LIMIT_MS = 30_000;
/** Chunks walked in a WAV header before giving up (real files have fewer than ten). */
export const MAX_WAV_CHUNKS = 1024;

const MiB = 1024 * 1024;

/** "512 MiB", "3.0 GiB" */
export function formatBytes(n: number): string {
  if (n >= 1024 * MiB) return `${(n / (1024 * MiB)).toFixed(1)} GiB`;
  if (n >= MiB) return `${Math.round(n / MiB)} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}

/** Throws unless 1 ≤ channels ≤ MAX_CHANNELS. */
export function checkChannels(channels: number, file: string): void {
  if (channels === 0) throw new SerError('corrupt', `${file}: the header declares 0 channels`);
  if (channels > MAX_CHANNELS) throw new SerError('unsupported', `${file}: the header declares ${channels} channels; at most ${MAX_CHANNELS} are supported`);
}

/** Throws unless MIN_SAMPLE_RATE ≤ rate ≤ MAX_SAMPLE_RATE. */
export function checkSampleRate(rate: number, file: string): void {
  if (rate === 0) throw new SerError('corrupt', `${file}: the header declares a sample rate of 0 Hz`);
  if (!(rate >= MIN_SAMPLE_RATE && rate <= MAX_SAMPLE_RATE)) {
    throw new SerError('unsupported', `${file}: sample rate ${rate} Hz is outside the supported ${MIN_SAMPLE_RATE / 1000}–${MAX_SAMPLE_RATE / 1000} kHz; resample it, e.g. \`sox in.wav -r 48000 out.wav\``);
  }
}

/** A deadline for one file; `check()` throws the named time-limit error once it has passed. */
export class Deadline {
  readonly #end: number;
  readonly #file: string;
  readonly #limitMs: number;
  constructor(file: string, limitMs: number = FILE_TIME_LIMIT_MS) {
    this.#file = file;
    this.#limitMs = limitMs;
    this.#end = performance.now() + limitMs;
  }
  check(): void {
    if (performance.now() > this.#end) {
      throw new SerError('unsupported', `${this.#file}: reading and decoding took longer than ${this.#limitMs / 1000} s, the per-file limit; the file is too long or damaged`);
    }
  }
}
