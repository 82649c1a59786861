/**
 * RIFF/WAVE decoder for every common shape: PCM 8/16/24/32-bit, IEEE float 32/64,
 * WAVE_FORMAT_EXTENSIBLE, any channel count and rate. Scales match libsndfile / soundfile
 * (int16 / 32768, 8-bit unsigned centred on 128), so features equal librosa's.
 * Only the requested frame window is converted, so reading 3 s of a long file stays cheap.
 */
import { SerError } from '../errors.js';
import type { DecodedAudio, FrameWindow } from './types.js';

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

export interface WavInfo {
  formatTag: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign: number;
  dataOffset: number;
  /** Whole frames actually present in the file. */
  frames: number;
  /** True when the data chunk claims more bytes than the file holds (cut-off download, crashed recorder). */
  truncated: boolean;
}

function fourcc(b: Uint8Array, o: number): string {
  return String.fromCharCode(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!);
}

export function isWav(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && (fourcc(bytes, 0) === 'RIFF' || fourcc(bytes, 0) === 'RF64') && fourcc(bytes, 8) === 'WAVE';
}

/** Parses the header chunks. Throws SerError('corrupt' | 'unsupported') naming `file`. */
export function readWavInfo(bytes: Uint8Array, file = 'input'): WavInfo {
  if (bytes.length === 0) throw new SerError('corrupt', `${file}: file is empty (0 bytes); re-export or re-record it`);
  if (!isWav(bytes)) throw new SerError('corrupt', `${file}: not a WAV file (no RIFF/WAVE header)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 12;
  let fmt: { tag: number; channels: number; rate: number; blockAlign: number; bits: number } | undefined;
  while (pos + 8 <= bytes.length) {
    const id = fourcc(bytes, pos);
    let size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) throw new SerError('corrupt', `${file}: truncated WAV header (fmt chunk is incomplete)`);
      let tag = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const rate = view.getUint32(body + 4, true);
      const blockAlign = view.getUint16(body + 12, true);
      const bits = view.getUint16(body + 14, true);
      if (tag === WAVE_FORMAT_EXTENSIBLE) {
        if (size < 40 || body + 26 > bytes.length) throw new SerError('corrupt', `${file}: truncated WAVE_FORMAT_EXTENSIBLE header`);
        tag = view.getUint16(body + 24, true); // first two bytes of the SubFormat GUID
      }
      fmt = { tag, channels, rate, blockAlign, bits };
    } else if (id === 'data') {
      if (!fmt) throw new SerError('corrupt', `${file}: WAV data chunk comes before its fmt chunk`);
      if (fmt.channels === 0) throw new SerError('corrupt', `${file}: WAV header declares 0 channels`);
      if (fmt.rate === 0) throw new SerError('corrupt', `${file}: WAV header declares a sample rate of 0`);
      const bytesPerSample = Math.ceil(fmt.bits / 8);
      const supported =
        (fmt.tag === WAVE_FORMAT_PCM && [8, 16, 24, 32].includes(fmt.bits)) ||
        (fmt.tag === WAVE_FORMAT_IEEE_FLOAT && (fmt.bits === 32 || fmt.bits === 64));
      if (!supported) {
        throw new SerError(
          'unsupported',
          `${file}: unsupported WAV encoding (format tag 0x${fmt.tag.toString(16)}, ${fmt.bits}-bit); convert it to 16-bit PCM, e.g. \`sox in.wav -b 16 out.wav\``,
        );
      }
      const blockAlign = fmt.blockAlign || bytesPerSample * fmt.channels;
      const available = bytes.length - body;
      // 0xFFFFFFFF / 0 sizes come from streaming writers that never patched the header: take what is there.
      if (size === 0xffffffff || size === 0 || fourcc(bytes, 0) === 'RF64') size = available;
      const truncated = size > available;
      const frames = Math.floor(Math.min(size, available) / blockAlign);
      return { formatTag: fmt.tag, channels: fmt.channels, sampleRate: fmt.rate, bitsPerSample: fmt.bits, blockAlign, dataOffset: body, frames, truncated };
    }
    if (size > bytes.length) break;
    pos = body + size + (size & 1); // chunks are word-aligned
  }
  if (!fmt) throw new SerError('corrupt', `${file}: truncated or damaged WAV header (no fmt chunk)`);
  throw new SerError('corrupt', `${file}: WAV file has no audio data chunk (truncated?)`);
}

/** Kept tiny and monomorphic so V8 optimises it on first use (the 16-bit path is the common one). */
function deinterleave16(s: Int16Array, channel: number, stride: number, out: Float32Array): void {
  const n = out.length;
  for (let i = 0, j = channel; i < n; i++, j += stride) out[i] = s[j]! * (1 / 32768);
}

/** Decodes `window` (default: whole file) to per-channel float32. */
export function decodeWav(bytes: Uint8Array, file = 'input', window: FrameWindow = { start: 0 }): DecodedAudio {
  const info = readWavInfo(bytes, file);
  if (info.frames === 0) throw new SerError('corrupt', `${file}: WAV file has no audio samples (empty data chunk)`);
  const start = Math.min(Math.max(0, Math.floor(window.start)), info.frames);
  const end = window.count === undefined ? info.frames : Math.min(info.frames, start + Math.max(0, Math.floor(window.count)));
  const n = end - start;
  const { channels: nch, blockAlign, bitsPerSample: bits, formatTag } = info;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Float32Array[] = [];
  for (let c = 0; c < nch; c++) out.push(new Float32Array(n));
  const base = info.dataOffset + start * blockAlign;
  const bps = Math.ceil(bits / 8);

  if (formatTag === WAVE_FORMAT_PCM && bits === 16) {
    // Fast path (RAVDESS and most recorders): an Int16Array view; headers with odd-sized chunks leave the
    // data unaligned, so copy it to an aligned buffer first (a memcpy is far cheaper than DataView reads).
    const stride = blockAlign >> 1;
    const aligned = ((bytes.byteOffset + base) & 1) === 0;
    const s = aligned
      ? new Int16Array(bytes.buffer, bytes.byteOffset + base, n * stride)
      : new Int16Array(bytes.slice(base, base + n * blockAlign).buffer, 0, n * stride);
    for (let c = 0; c < nch; c++) deinterleave16(s, c, stride, out[c]!);
    return { sampleRate: info.sampleRate, channels: out, totalFrames: info.frames, format: 'wav' };
  }
  for (let c = 0; c < nch; c++) {
    const ch = out[c]!;
    let p = base + c * bps;
    for (let i = 0; i < n; i++, p += blockAlign) {
      let v: number;
      if (formatTag === WAVE_FORMAT_IEEE_FLOAT) v = bits === 32 ? view.getFloat32(p, true) : view.getFloat64(p, true);
      else if (bits === 16) v = view.getInt16(p, true) / 32768;
      else if (bits === 24) v = ((bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16)) << 8 >> 8) / 8388608;
      else if (bits === 32) v = view.getInt32(p, true) / 2147483648;
      else v = (bytes[p]! - 128) / 128;
      ch[i] = v;
    }
  }
  return { sampleRate: info.sampleRate, channels: out, totalFrames: info.frames, format: 'wav' };
}

/** Encodes mono float samples as 16-bit PCM WAV (recordings, test fixtures). Values are clipped to [-1, 1). */
export function encodeWav16(samples: Float32Array, sampleRate: number): Uint8Array {
  const dataBytes = samples.length * 2;
  const buf = new Uint8Array(44 + dataBytes);
  const v = new DataView(buf.buffer);
  const w = (o: number, s: string) => { for (let i = 0; i < 4; i++) buf[o + i] = s.charCodeAt(i); };
  w(0, 'RIFF'); v.setUint32(4, 36 + dataBytes, true); w(8, 'WAVE');
  w(12, 'fmt '); v.setUint32(16, 16, true); v.setUint16(20, 1, true); v.setUint16(22, 1, true);
  v.setUint32(24, sampleRate, true); v.setUint32(28, sampleRate * 2, true); v.setUint16(32, 2, true); v.setUint16(34, 16, true);
  w(36, 'data'); v.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]!));
    v.setInt16(44 + 2 * i, Math.max(-32768, Math.min(32767, Math.round(s * 32768))), true);
  }
  return buf;
}
