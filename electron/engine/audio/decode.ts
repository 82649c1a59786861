/**
 * Format sniffing and decoding to float32. WAV is decoded in-house (header, then only the requested window);
 * FLAC, MP3 and Ogg Vorbis go through the wasm-audio-decoders packages, fed 64 KiB at a time and stopped once the
 * window is decoded, so neither memory nor time grows with what lies after it. Every failure is a SerError naming
 * the file; the limits (channels, rates, sizes, time) are in limits.ts.
 */
import { SerError } from '../../shared/errors.js';
import {
  checkChannels, checkSampleRate, Deadline, formatBytes, MAX_COMPRESSED_BYTES, MAX_WAV_BYTES, MAX_WINDOW_SECONDS,
} from './limits.js';
import { flacStreamInfo, flacTruncated, ID3V1_BYTES, isId3v1 } from './flac.js';
import { findBadSample, type BadSample } from './sampleCheck.js';
import { asSource, type ByteSource } from './source.js';
import type { DecodedAudio, FrameWindow } from './types.js';
import { clampWindow, decodeWav, isWav, readWavInfo, streamWavFrames } from './wav.js';

export type AudioFormat = 'wav' | 'flac' | 'mp3' | 'ogg';

/** Recognises the container from its first bytes (file extensions lie; headers do not). */
export function sniffFormat(bytes: Uint8Array): AudioFormat | undefined {
  if (isWav(bytes)) return 'wav';
  if (bytes.length >= 4 && bytes[0] === 0x66 && bytes[1] === 0x4c && bytes[2] === 0x61 && bytes[3] === 0x43) return 'flac'; // fLaC
  if (bytes.length >= 4 && bytes[0] === 0x4f && bytes[1] === 0x67 && bytes[2] === 0x67 && bytes[3] === 0x53) return 'ogg'; // OggS
  if (bytes.length >= 3 && bytes[0] === 0x49 && bytes[1] === 0x44 && bytes[2] === 0x33) return 'mp3'; // ID3 tag
  if (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1]! & 0xe0) === 0xe0 && (bytes[1]! & 0x06) !== 0) return 'mp3'; // MPEG frame sync
  return undefined;
}

/** Largest file of `format` read at all (limits.ts). */
export function sizeLimit(format: AudioFormat): number {
  return format === 'wav' ? MAX_WAV_BYTES : MAX_COMPRESSED_BYTES;
}

/** The format of `src` after the empty / not-audio / too-large checks every path shares. */
export function checkedFormat(src: ByteSource, file: string): AudioFormat {
  if (src.size === 0) throw new SerError('corrupt', `${file}: file is empty (0 bytes); re-export or re-record it`);
  const format = sniffFormat(src.read(0, 16));
  if (!format) throw new SerError('unsupported', `${file}: not a recognised audio file (expected WAV, FLAC, MP3 or Ogg Vorbis)`);
  const limit = sizeLimit(format);
  if (src.size > limit) {
    throw new SerError('unsupported', `${file}: ${formatBytes(src.size)} is larger than the ${formatBytes(limit)} limit for ${format.toUpperCase()} files; cut it into shorter clips`);
  }
  return format;
}

interface WasmDecoded {
  channelData: Float32Array[];
  samplesDecoded: number;
  sampleRate: number;
  bitDepth?: number;
  errors: Array<{ message: string }>;
}
interface WasmDecoder {
  ready: Promise<void>;
  decode(data: Uint8Array): WasmDecoded | Promise<WasmDecoded>;
  flush?(): Promise<WasmDecoded>;
  free(): void;
}

async function wasmDecoder(format: Exclude<AudioFormat, 'wav'>): Promise<WasmDecoder> {
  if (format === 'flac') return new (await import('@wasm-audio-decoders/flac')).FLACDecoder() as unknown as WasmDecoder;
  if (format === 'mp3') return new (await import('mpg123-decoder')).MPEGDecoder() as unknown as WasmDecoder;
  return new (await import('@wasm-audio-decoders/ogg-vorbis')).OggVorbisDecoder() as unknown as WasmDecoder;
}

/**
 * Runs a decoder call with console.error muted: the decoders print every damaged frame to stderr themselves,
 * which would break the CLI's one-line errors (the same errors come back in `errors`).
 */
async function quietly(call: () => WasmDecoded | Promise<WasmDecoded>): Promise<WasmDecoded> {
  const original = console.error;
  console.error = () => {};
  try {
    return await call();
  } finally {
    console.error = original;
  }
}

/** Called with consecutive decoded blocks of the window: per-channel views valid during the call, the block's offset in the window, its frames. */
export type BlockSink = (channels: Float32Array[], at: number, frames: number) => void;

export interface StreamResult {
  format: AudioFormat;
  sampleRate: number;
  channels: number;
  /** Frames in the file, or (`lengthKnown` false) the frames decoded before stopping at the window's end. */
  totalFrames: number;
  lengthKnown: boolean;
  /** The file holds less audio than its header declares: a WAV data chunk, or a FLAC STREAMINFO length. */
  truncated: boolean;
}

const FEED_BYTES = 64 * 1024;
/**
 * Zero bytes fed after a FLAC's last byte, before the flush. codec-parser (2.5) confirms a frame by reading past it
 * for the next frame's header; at the end of the bytes it could not, and the last frame was glued to the one before
 * it and never decoded (97 of ravdess-20's 1,200 FLACs lost 48–3,960 samples, 68 of them not silent). With the zeros
 * it reads past the last frame, which it then takes alone (a frame's CRC-16 stays valid over trailing zeros).
 */
const FLAC_TAIL = new Uint8Array(64);

/** Decoder messages can span lines; errors here are one line. */
function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

async function streamCompressed(
  src: ByteSource,
  format: Exclude<AudioFormat, 'wav'>,
  file: string,
  windowOf: (sampleRate: number, channels: number) => FrameWindow,
  sink: BlockSink,
  deadline: Deadline | undefined,
): Promise<StreamResult> {
  const name = format === 'ogg' ? 'Ogg Vorbis' : format.toUpperCase();
  let rate = 0;
  let nch = 0;
  let frame = 0; // frames decoded so far
  let winStart = 0;
  let winEnd = Infinity;
  let firstError: string | undefined;
  let stopped = false;
  const take = (res: WasmDecoded) => {
    if (!firstError && res.errors?.length) firstError = oneLine(res.errors[0]!.message);
    const n = res.samplesDecoded;
    if (!n || res.channelData.length === 0) return;
    if (rate === 0) {
      rate = res.sampleRate;
      nch = res.channelData.length;
      checkChannels(nch, file);
      checkSampleRate(rate, file);
      const w = windowOf(rate, nch);
      winStart = Math.max(0, Math.floor(w.start));
      winEnd = w.count === undefined ? Infinity : winStart + Math.max(0, Math.floor(w.count));
    } else if (res.sampleRate !== rate || res.channelData.length !== nch) {
      throw new SerError('corrupt', `${file}: the ${name} stream changes from ${nch} channel(s) at ${rate} Hz to ${res.channelData.length} at ${res.sampleRate} Hz midway; it is damaged or two files joined`);
    }
    const s = Math.max(winStart, frame);
    const e = Math.min(winEnd, frame + n);
    if (e > s) {
      let block = res.channelData.map((c) => c.subarray(s - frame, e - frame));
      const bits = res.bitDepth;
      if (format === 'flac' && bits && bits > 1 && bits <= 32) {
        // The FLAC decoder scales integers by 1/(2^(b−1) − 1); libsndfile (hence librosa) by 1/2^(b−1).
        const k = (2 ** (bits - 1) - 1) / 2 ** (bits - 1);
        block = block.map((c) => {
          const o = new Float32Array(c.length);
          for (let i = 0; i < c.length; i++) o[i] = c[i]! * k;
          return o;
        });
      }
      sink(block, s - winStart, e - s);
    }
    frame += n;
  };
  const decoder = await wasmDecoder(format);
  try {
    await decoder.ready;
    // A FLAC's frames end before an ID3v1 tag: fed to the parser, the tag would hide the last frame from it.
    const end = format === 'flac' && src.size > ID3V1_BYTES && isId3v1(src.read(src.size - ID3V1_BYTES, ID3V1_BYTES)) ? src.size - ID3V1_BYTES : src.size;
    for (let pos = 0; pos < end; ) {
      deadline?.check();
      const chunk = src.read(pos, Math.min(FEED_BYTES, end - pos));
      if (chunk.length === 0) break;
      pos += chunk.length;
      take(await quietly(() => decoder.decode(chunk)));
      if (frame >= winEnd) {
        stopped = true;
        break;
      }
    }
    if (!stopped && format === 'flac') take(await quietly(() => decoder.decode(FLAC_TAIL)));
    if (!stopped && decoder.flush) take(await quietly(() => decoder.flush!()));
  } catch (err) {
    if (err instanceof SerError) throw err;
    throw new SerError('corrupt', `${file}: cannot decode ${name} data (${oneLine(err instanceof Error ? err.message : String(err))}); the file looks damaged`);
  } finally {
    decoder.free();
  }
  if (rate === 0) {
    const why = firstError ? ` (${firstError})` : '';
    throw new SerError('corrupt', `${file}: no audio could be decoded from this ${name} file${why}; it is empty or damaged`);
  }
  // Read to the end: a FLAC with fewer samples than its STREAMINFO declares stops early (MP3 and Ogg do not say).
  const truncated = format === 'flac' && !stopped && flacTruncated(flacStreamInfo(src.read(0, 64)), frame);
  return { format, sampleRate: rate, channels: nch, totalFrames: frame, lengthKnown: !stopped, truncated };
}

/**
 * Decodes the frames `windowOf(nativeRate)` selects (to the end when `count` is undefined), block by block into
 * `sink`. The window is given as a function because a compressed file's rate is known only once decoding starts.
 */
export async function streamAudio(
  input: Uint8Array | ByteSource,
  file: string,
  windowOf: (sampleRate: number, channels: number) => FrameWindow,
  sink: BlockSink,
  deadline?: Deadline,
): Promise<StreamResult> {
  const src = asSource(input);
  const format = checkedFormat(src, file);
  if (format !== 'wav') return streamCompressed(src, format, file, windowOf, sink, deadline);
  const info = readWavInfo(src, file);
  if (info.frames === 0) throw new SerError('corrupt', `${file}: WAV file has no audio samples (empty data chunk)`);
  const { start, n } = clampWindow(windowOf(info.sampleRate, info.channels), info.frames);
  streamWavFrames(src, info, file, start, n, sink, deadline);
  return { format, sampleRate: info.sampleRate, channels: info.channels, totalFrames: info.frames, lengthKnown: true, truncated: info.truncated };
}

/** Per-channel or mono float32 collected from blocks, growing as needed, refusing more than MAX_WINDOW_SECONDS. */
class Collector {
  #data: Float32Array[] = [];
  #length = 0;
  #limit = Infinity;
  constructor(private readonly file: string, private readonly mono: boolean) {}

  /** Called once the native rate and channel count are known; `expected` = the window's frames, if bounded. */
  start(channels: number, sampleRate: number, expected?: number): void {
    this.#limit = MAX_WINDOW_SECONDS * sampleRate;
    const size = Math.max(1, Math.min(expected ?? 1 << 16, this.#limit));
    this.#data = Array.from({ length: this.mono ? 1 : channels }, () => new Float32Array(size));
  }

  readonly add: BlockSink = (channels, at, frames) => {
    const end = at + frames;
    if (end > this.#limit) {
      throw new SerError('unsupported', `${this.file}: more than ${MAX_WINDOW_SECONDS} s would be decoded at once, the limit; ask for a shorter window`);
    }
    if (end > this.#data[0]!.length) {
      const size = Math.min(this.#limit, Math.max(end, this.#data[0]!.length * 2));
      this.#data = this.#data.map((d) => {
        const g = new Float32Array(size);
        g.set(d.subarray(0, this.#length));
        return g;
      });
    }
    if (!this.mono || channels.length === 1) {
      for (let c = 0; c < this.#data.length; c++) this.#data[c]!.set(channels[c]!.subarray(0, frames), at);
    } else {
      // librosa.to_mono: the mean over channels, summed in double precision as toMono does.
      const out = this.#data[0]!;
      const k = channels.length;
      for (let i = 0; i < frames; i++) {
        let s = 0;
        for (let c = 0; c < k; c++) s += channels[c]![i]!;
        out[at + i] = s / k;
      }
    }
    this.#length = Math.max(this.#length, end);
  };

  result(): Float32Array[] {
    return this.#data.map((d) => (d.length === this.#length ? d : d.subarray(0, this.#length)));
  }
}

/** The window's frames per channel (`window` in native-rate frames; default: the whole file, at most MAX_WINDOW_SECONDS). */
export async function decodeAudio(input: Uint8Array | ByteSource, file: string, window?: FrameWindow, deadline?: Deadline): Promise<DecodedAudio> {
  const src = asSource(input);
  if (checkedFormat(src, file) === 'wav') return decodeWav(src, file, window ?? { start: 0 }, deadline);
  const col = new Collector(file, false);
  const w = window ?? { start: 0 };
  const res = await streamAudio(src, file, (rate, channels) => {
    col.start(channels, rate, w.count);
    return w;
  }, col.add, deadline);
  return { sampleRate: res.sampleRate, channels: col.result(), totalFrames: res.totalFrames, lengthKnown: res.lengthKnown, format: res.format };
}

export interface MonoWindow {
  format: AudioFormat;
  sampleRate: number;
  /** Channels in the file (the samples are their mean). */
  channels: number;
  samples: Float32Array;
  totalFrames: number;
  lengthKnown: boolean;
  /** Less audio than the header declares (a WAV's data chunk; a FLAC decoded to its end). */
  truncated: boolean;
}

/**
 * The window's frames down-mixed to mono as they are decoded (librosa.to_mono), so a 64-channel file costs no more
 * memory than a mono one. `windowOf` turns the native rate into the frame window; `inspect` sees every block's
 * channels before they are mixed (it may throw to refuse the file).
 */
export async function decodeMonoWindow(
  input: Uint8Array | ByteSource,
  file: string,
  windowOf: (sampleRate: number) => FrameWindow,
  deadline?: Deadline,
  inspect?: BlockSink,
): Promise<MonoWindow> {
  const src = asSource(input);
  if (checkedFormat(src, file) === 'wav') {
    const info = readWavInfo(src, file);
    if (info.channels === 1) {
      // Mono WAV: straight into one array (the hot path of feature extraction).
      const d = decodeWav(src, file, windowOf(info.sampleRate), deadline);
      const mono = d.channels[0]!;
      inspect?.(d.channels, 0, mono.length);
      return { format: 'wav', sampleRate: d.sampleRate, channels: 1, samples: mono, totalFrames: d.totalFrames, lengthKnown: true, truncated: info.truncated };
    }
  }
  const col = new Collector(file, true);
  const sink: BlockSink = inspect
    ? (channels, at, frames) => {
        inspect(channels, at, frames);
        col.add(channels, at, frames);
      }
    : col.add;
  const res = await streamAudio(src, file, (rate) => {
    const w = windowOf(rate);
    col.start(1, rate, w.count);
    return w;
  }, sink, deadline);
  return { format: res.format, sampleRate: res.sampleRate, channels: res.channels, samples: col.result()[0]!, totalFrames: res.totalFrames, lengthKnown: res.lengthKnown, truncated: res.truncated };
}

/** Why a file that holds less audio than its header declares is a problem: what is there, and that it is damaged. */
export function truncatedReason(seconds: number): string {
  return `truncated: the audio data stops after ${seconds.toFixed(2)} s, before the length its header declares (damaged copy?)`;
}

export interface AudioProbe {
  format: AudioFormat;
  sampleRate: number;
  channels: number;
  totalFrames: number;
  /** The file holds less audio than its header declares (WAV data chunk, FLAC STREAMINFO). */
  truncated: boolean;
  /** Largest |sample| over every channel (NaN samples are skipped). */
  peak: number;
  /** The first non-finite or overflowing sample (sampleCheck.ts), its index counted from the file's start. */
  bad?: BadSample;
}

/** Everything a dataset scan checks, read block by block through the whole file: length, format, peak level, bad samples. */
export async function probeAudio(input: Uint8Array | ByteSource, file: string, deadline?: Deadline): Promise<AudioProbe> {
  let peak = 0;
  let bad: BadSample | undefined;
  const res = await streamAudio(input, file, () => ({ start: 0 }), (channels, at, frames) => {
    if (!bad) {
      const b = findBadSample(channels);
      if (b) bad = { ...b, index: at + b.index };
    }
    for (const ch of channels) {
      for (let i = 0; i < frames; i++) {
        const a = Math.abs(ch[i]!);
        if (a > peak) peak = a;
      }
    }
  }, deadline);
  return { format: res.format, sampleRate: res.sampleRate, channels: res.channels, totalFrames: res.totalFrames, truncated: res.truncated, peak, ...(bad ? { bad } : {}) };
}

/** Down-mixes to mono by averaging the channels, as librosa.to_mono does. Mono input is returned as is. */
export function toMono(channels: Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0]!;
  const n = channels[0]!.length;
  const out = new Float32Array(n);
  const k = channels.length;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < k; c++) s += channels[c]![i]!;
    out[i] = s / k;
  }
  return out;
}
