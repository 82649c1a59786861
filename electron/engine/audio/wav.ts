/**
 * RIFF/WAVE decoder for every common shape: PCM 8/16/24/32-bit, IEEE float 32/64,
 * WAVE_FORMAT_EXTENSIBLE, up to MAX_CHANNELS channels at 1–384 kHz. Scales match libsndfile / soundfile
 * (int16 / 32768, 8-bit unsigned centred on 128), so features equal librosa's.
 * Reads the header chunks, then only the requested frame window, a block at a time: reading 3 s of a long (or
 * sparse multi-GiB) file stays cheap, and memory follows the window, not the file.
 */
import { SerError } from '../../shared/errors.js';
import { checkChannels, checkSampleRate, MAX_WAV_CHUNKS, MAX_WINDOW_SECONDS, type Deadline } from './limits.js';
import { badSampleReason } from './sampleCheck.js';
import { asSource, type ByteSource } from './source.js';
import type { DecodedAudio, FrameWindow } from './types.js';

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** Raw bytes converted per block when streaming a window. */
const BLOCK_BYTES = 1 << 20;
/** Largest finite float32: float64 samples beyond it would become ±Infinity. */
const FLOAT32_MAX = 3.4028234663852886e38;

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

function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

function u16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

export function isWav(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && (fourcc(bytes, 0) === 'RIFF' || fourcc(bytes, 0) === 'RF64') && fourcc(bytes, 8) === 'WAVE';
}

interface FmtChunk {
  tag: number;
  channels: number;
  rate: number;
  blockAlign: number;
  bits: number;
}

/**
 * Parses the header chunks (bytes in memory, or a file read on demand). Throws SerError('corrupt' | 'unsupported')
 * naming `file`: no fmt chunk, no data chunk, channel count or rate beyond the limits, an encoding it cannot read,
 * a block align that does not match channels × sample size.
 */
export function readWavInfo(input: Uint8Array | ByteSource, file = 'input'): WavInfo {
  const src = asSource(input);
  const size = src.size;
  if (size === 0) throw new SerError('corrupt', `${file}: file is empty (0 bytes); re-export or re-record it`);
  const head = src.read(0, 12);
  if (!isWav(head)) throw new SerError('corrupt', `${file}: not a WAV file (no RIFF/WAVE header)`);
  const rf64 = fourcc(head, 0) === 'RF64';
  let fmt: FmtChunk | undefined;
  let data: { body: number; size: number } | undefined;
  let pos = 12;
  for (let n = 0; pos + 8 <= size; n++) {
    if (n >= MAX_WAV_CHUNKS) throw new SerError('corrupt', `${file}: damaged WAV header (more than ${MAX_WAV_CHUNKS} chunks before the audio data)`);
    const h = src.read(pos, 8);
    const id = fourcc(h, 0);
    const chunkSize = u32(h, 4);
    const body = pos + 8;
    if (id === 'fmt ' && !fmt) {
      if (chunkSize < 16 || body + 16 > size) throw new SerError('corrupt', `${file}: truncated WAV header (fmt chunk is incomplete)`);
      const f = src.read(body, 26);
      let tag = u16(f, 0);
      if (tag === WAVE_FORMAT_EXTENSIBLE) {
        if (chunkSize < 40 || f.length < 26) throw new SerError('corrupt', `${file}: truncated WAVE_FORMAT_EXTENSIBLE header`);
        tag = u16(f, 24); // first two bytes of the SubFormat GUID
      }
      fmt = { tag, channels: u16(f, 2), rate: u32(f, 4), blockAlign: u16(f, 12), bits: u16(f, 14) };
    } else if (id === 'data' && !data) {
      data = { body, size: chunkSize };
      // Usually fmt came first and this is the end of the header; otherwise skip the data and look for fmt after it.
      if (fmt) break;
    }
    if (fmt && data) break;
    if (chunkSize > size - body) break; // runs past the end of the file: nothing after it can be read
    pos = body + chunkSize + (chunkSize & 1); // chunks are word-aligned
  }
  if (!fmt) throw new SerError('corrupt', `${file}: WAV file has no fmt chunk (the header that describes the audio's format is missing or damaged)`);
  if (!data) throw new SerError('corrupt', `${file}: WAV file has no audio data chunk (truncated?)`);
  checkChannels(fmt.channels, file);
  checkSampleRate(fmt.rate, file);
  const supported =
    (fmt.tag === WAVE_FORMAT_PCM && [8, 16, 24, 32].includes(fmt.bits)) ||
    (fmt.tag === WAVE_FORMAT_IEEE_FLOAT && (fmt.bits === 32 || fmt.bits === 64));
  if (!supported) {
    throw new SerError(
      'unsupported',
      `${file}: unsupported WAV encoding (format tag 0x${fmt.tag.toString(16)}, ${fmt.bits}-bit); convert it to 16-bit PCM, e.g. \`sox in.wav -b 16 out.wav\``,
    );
  }
  const frameBytes = (fmt.bits / 8) * fmt.channels;
  // 0 is common from sloppy writers and harmless; any other mismatch means the header is wrong about the layout.
  if (fmt.blockAlign !== 0 && fmt.blockAlign !== frameBytes) {
    throw new SerError(
      'corrupt',
      `${file}: damaged WAV header: block align is ${fmt.blockAlign} bytes, but ${fmt.channels} channel${fmt.channels === 1 ? '' : 's'} of ${fmt.bits}-bit samples take ${frameBytes}`,
    );
  }
  const blockAlign = frameBytes;
  const available = Math.max(0, size - data.body);
  // 0xFFFFFFFF / 0 sizes come from streaming writers that never patched the header: take what is there.
  let dataSize = data.size;
  if (dataSize === 0xffffffff || dataSize === 0 || rf64) dataSize = available;
  const truncated = dataSize > available;
  const frames = Math.floor(Math.min(dataSize, available) / blockAlign);
  return { formatTag: fmt.tag, channels: fmt.channels, sampleRate: fmt.rate, bitsPerSample: fmt.bits, blockAlign, dataOffset: data.body, frames, truncated };
}

/** Kept tiny and monomorphic so V8 optimises it on first use (the 16-bit path is the common one). */
function deinterleave16(s: Int16Array, channel: number, stride: number, out: Float32Array, at: number, n: number): void {
  for (let i = 0, j = channel; i < n; i++, j += stride) out[at + i] = s[j]! * (1 / 32768);
}

/**
 * Converts `n` interleaved frames (`bytes`, which starts at frame `first` of the file) into `out[c][at…at+n)`.
 * A finite float64 sample beyond float32's range is refused here, with the value the file holds: converted, it would
 * turn finite input into ±Infinity (sampleCheck.ts refuses it either way, as beyond ±2^24).
 */
function convertFrames(bytes: Uint8Array, info: WavInfo, n: number, out: Float32Array[], at: number, file: string, first: number): void {
  const { channels: nch, blockAlign, bitsPerSample: bits, formatTag } = info;
  if (formatTag === WAVE_FORMAT_PCM && bits === 16) {
    // Fast path (RAVDESS and most recorders): an Int16Array view; an odd byte offset (odd-sized header chunks) is
    // copied to an aligned buffer first, a memcpy being far cheaper than DataView reads.
    const stride = blockAlign >> 1;
    const s = (bytes.byteOffset & 1) === 0 ? new Int16Array(bytes.buffer, bytes.byteOffset, n * stride) : new Int16Array(bytes.slice(0, n * blockAlign).buffer, 0, n * stride);
    for (let c = 0; c < nch; c++) deinterleave16(s, c, stride, out[c]!, at, n);
    return;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bps = bits >> 3;
  for (let c = 0; c < nch; c++) {
    const ch = out[c]!;
    let p = c * bps;
    if (formatTag === WAVE_FORMAT_IEEE_FLOAT && bits === 64) {
      for (let i = 0; i < n; i++, p += blockAlign) {
        const v = view.getFloat64(p, true);
        // ±Infinity and NaN pass through as what the file holds (refused later as non-finite audio).
        if ((v > FLOAT32_MAX || v < -FLOAT32_MAX) && Number.isFinite(v)) {
          throw new SerError('corrupt', `${file}: ${badSampleReason({ channel: c, index: first + i, value: v }, info.sampleRate)}`);
        }
        ch[at + i] = v;
      }
      continue;
    }
    for (let i = 0; i < n; i++, p += blockAlign) {
      let v: number;
      if (formatTag === WAVE_FORMAT_IEEE_FLOAT) v = view.getFloat32(p, true);
      else if (bits === 16) v = view.getInt16(p, true) / 32768;
      else if (bits === 24) v = ((bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16)) << 8 >> 8) / 8388608;
      else if (bits === 32) v = view.getInt32(p, true) / 2147483648;
      else v = (bytes[p]! - 128) / 128;
      ch[at + i] = v;
    }
  }
}

/** Clamps `window` to the file's frames: [start, start + n). */
export function clampWindow(window: FrameWindow, frames: number): { start: number; n: number } {
  const start = Math.min(Math.max(0, Math.floor(window.start)), frames);
  const end = window.count === undefined ? frames : Math.min(frames, start + Math.max(0, Math.floor(window.count)));
  return { start, n: end - start };
}

/**
 * Streams frames [start, start + n) of the data chunk to `sink` in blocks of at most 1 MiB of raw data: per-channel
 * float32 arrays (views of a scratch buffer, valid during the call) and the block's offset in the window.
 */
export function streamWavFrames(
  src: ByteSource,
  info: WavInfo,
  file: string,
  start: number,
  n: number,
  sink: (channels: Float32Array[], at: number, frames: number) => void,
  deadline?: Deadline,
): void {
  const perBlock = Math.max(1, Math.floor(BLOCK_BYTES / info.blockAlign));
  const scratch: Float32Array[] = [];
  for (let c = 0; c < info.channels; c++) scratch.push(new Float32Array(Math.min(perBlock, n)));
  for (let done = 0; done < n; ) {
    deadline?.check();
    const k = Math.min(perBlock, n - done);
    const bytes = src.read(info.dataOffset + (start + done) * info.blockAlign, k * info.blockAlign);
    const got = Math.floor(bytes.length / info.blockAlign);
    if (got === 0) break; // the file shrank since the header was read
    convertFrames(bytes, info, got, scratch, 0, file, start + done);
    sink(got === scratch[0]!.length ? scratch : scratch.map((c) => c.subarray(0, got)), done, got);
    done += got;
  }
}

/** Decodes `window` (default: whole file, at most MAX_WINDOW_SECONDS) to per-channel float32. */
export function decodeWav(input: Uint8Array | ByteSource, file = 'input', window: FrameWindow = { start: 0 }, deadline?: Deadline): DecodedAudio {
  const src = asSource(input);
  const info = readWavInfo(src, file);
  if (info.frames === 0) throw new SerError('corrupt', `${file}: WAV file has no audio samples (empty data chunk)`);
  const { start, n } = clampWindow(window, info.frames);
  if (n > MAX_WINDOW_SECONDS * info.sampleRate) {
    throw new SerError('unsupported', `${file}: ${(n / info.sampleRate).toFixed(0)} s would be decoded at once, more than the ${MAX_WINDOW_SECONDS} s limit; ask for a shorter window`);
  }
  const out: Float32Array[] = [];
  for (let c = 0; c < info.channels; c++) out.push(new Float32Array(n));
  const perBlock = Math.max(1, Math.floor(BLOCK_BYTES / info.blockAlign));
  // Straight into the output arrays, a block at a time (no scratch copy: this is the hot path of a 3 s window).
  for (let done = 0; done < n; ) {
    deadline?.check();
    const k = Math.min(perBlock, n - done);
    const bytes = src.read(info.dataOffset + (start + done) * info.blockAlign, k * info.blockAlign);
    const got = Math.floor(bytes.length / info.blockAlign);
    if (got === 0) break;
    convertFrames(bytes, info, got, out, done, file, start + done);
    done += got;
  }
  return { sampleRate: info.sampleRate, channels: out, totalFrames: info.frames, format: 'wav', lengthKnown: true };
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
