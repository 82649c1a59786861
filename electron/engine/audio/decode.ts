/**
 * Format sniffing and decoding to per-channel float32. WAV is decoded in-house (fast path, only the
 * requested window is converted); FLAC, MP3 and Ogg Vorbis go through the wasm-audio-decoders packages.
 */
import { SerError } from '../errors.js';
import type { DecodedAudio, FrameWindow } from './types.js';
import { decodeWav, isWav } from './wav.js';

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

interface WasmDecoded {
  channelData: Float32Array[];
  samplesDecoded: number;
  sampleRate: number;
  bitDepth?: number;
  errors: Array<{ message: string }>;
}
interface WasmDecoder {
  ready: Promise<void>;
  decodeFile?(data: Uint8Array): Promise<WasmDecoded>;
  decode?(data: Uint8Array): WasmDecoded | Promise<WasmDecoded>;
  free(): void;
}

async function decodeWithWasm(format: Exclude<AudioFormat, 'wav'>, bytes: Uint8Array, file: string): Promise<DecodedAudio> {
  let decoder: WasmDecoder;
  if (format === 'flac') decoder = new (await import('@wasm-audio-decoders/flac')).FLACDecoder() as unknown as WasmDecoder;
  else if (format === 'mp3') decoder = new (await import('mpg123-decoder')).MPEGDecoder() as unknown as WasmDecoder;
  else decoder = new (await import('@wasm-audio-decoders/ogg-vorbis')).OggVorbisDecoder() as unknown as WasmDecoder;
  try {
    await decoder.ready;
    let res: WasmDecoded;
    try {
      res = await (decoder.decodeFile ? decoder.decodeFile(bytes) : decoder.decode!(bytes));
    } catch (err) {
      throw new SerError('corrupt', `${file}: cannot decode ${format.toUpperCase()} data (${(err as Error).message}); the file looks damaged`);
    }
    if (!res.samplesDecoded || res.channelData.length === 0) {
      const why = res.errors[0]?.message ? ` (${res.errors[0].message})` : '';
      throw new SerError('corrupt', `${file}: no audio could be decoded from this ${format.toUpperCase()} file${why}; it is empty or damaged`);
    }
    let channels = res.channelData.map((c) => c.subarray(0, res.samplesDecoded));
    if (format === 'flac' && res.bitDepth && res.bitDepth > 1 && res.bitDepth <= 32) {
      // The FLAC decoder scales integers by 1/(2^(b−1) − 1); libsndfile (hence librosa) by 1/2^(b−1).
      const k = (2 ** (res.bitDepth - 1) - 1) / 2 ** (res.bitDepth - 1);
      channels = channels.map((c) => {
        const o = new Float32Array(c.length);
        for (let i = 0; i < c.length; i++) o[i] = c[i]! * k;
        return o;
      });
    }
    return { sampleRate: res.sampleRate, channels, totalFrames: res.samplesDecoded, format };
  } finally {
    decoder.free();
  }
}

/** Decodes audio bytes; `window` (native-rate frames) limits the work for WAV. Names `file` in every error. */
export async function decodeAudio(bytes: Uint8Array, file: string, window?: FrameWindow): Promise<DecodedAudio> {
  if (bytes.length === 0) throw new SerError('corrupt', `${file}: file is empty (0 bytes); re-export or re-record it`);
  const format = sniffFormat(bytes);
  if (!format) {
    throw new SerError('unsupported', `${file}: not a recognised audio file (expected WAV, FLAC, MP3 or Ogg Vorbis)`);
  }
  if (format === 'wav') return decodeWav(bytes, file, window);
  const all = await decodeWithWasm(format, bytes, file);
  if (!window) return all;
  const start = Math.min(all.totalFrames, Math.max(0, window.start));
  const end = window.count === undefined ? all.totalFrames : Math.min(all.totalFrames, start + window.count);
  return { ...all, channels: all.channels.map((c) => c.subarray(start, end)) };
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
