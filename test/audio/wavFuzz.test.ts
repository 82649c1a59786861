/**
 * Seeded fuzzing of the WAV path: mutations of a few valid WAVs of different encodings (header fields set to edge
 * values, bytes flipped, chunks renamed, cut, spliced, float samples made huge or non-finite) go through the parser,
 * the scan's probe and the feature loader. Every outcome must be a decoded clip whose output is finite — a
 * non-finite value is allowed only where the file itself holds a non-finite float — or a one-line SerError naming
 * the file; no case may take 5 s, and the process must stay under 512 MB.
 *
 * SER_FUZZ_N=100000 npx vitest run test/audio/wavFuzz.test.ts   # more cases (default 5000)
 * SER_FUZZ_SEED=7 …                                               # another sequence (default 12)
 */
import { describe, expect, it } from 'vitest';
import { decodeAudio, probeAudio } from '../../electron/engine/audio/decode.js';
import { decodeClip } from '../../electron/engine/audio/load.js';
import { Rng } from '../../electron/engine/audio/rng.js';
import { decodeWav, readWavInfo } from '../../electron/engine/audio/wav.js';
import { SerError } from '../../electron/shared/errors.js';
import { sine, writeWav, type WavSpec } from '../helpers/wavWriter.js';

const N = Number(process.env.SER_FUZZ_N ?? 5000);
const SEED = Number(process.env.SER_FUZZ_SEED ?? 12);
const CASE_LIMIT_MS = 5000;
const RSS_LIMIT = 512 * 1024 * 1024;

interface Base {
  name: string;
  bytes: Uint8Array;
  /** Offsets of the fmt chunk's body and the data chunk's header. */
  fmt: number;
  data: number;
}

function base(name: string, spec: WavSpec): Base {
  const bytes = writeWav(spec);
  const text = Buffer.from(bytes).toString('latin1');
  return { name, bytes, fmt: text.indexOf('fmt ') + 8, data: text.indexOf('data') };
}

const tone = (sr: number, s: number, f = 440) => sine(f, sr, s, 0.5);
const BASES: Base[] = [
  base('pcm16-mono-16k', { sampleRate: 16000, channels: [tone(16000, 0.4)], encoding: 'pcm16' }),
  base('pcm16-stereo-22k-list', { sampleRate: 22050, channels: [tone(22050, 0.35), tone(22050, 0.35, 700)], encoding: 'pcm16', extraChunk: true }),
  base('pcm24-ext-48k', { sampleRate: 48000, channels: [tone(48000, 0.32)], encoding: 'pcm24', extensible: true }),
  base('pcm8-8k', { sampleRate: 8000, channels: [tone(8000, 0.5)], encoding: 'pcm8' }),
  base('pcm32-stereo-44k', { sampleRate: 44100, channels: [tone(44100, 0.31), tone(44100, 0.31, 300)], encoding: 'pcm32' }),
  base('float32-24k-list', { sampleRate: 24000, channels: [tone(24000, 0.33)], encoding: 'float32', extraChunk: true }),
  base('float64-ext-stereo-11k', { sampleRate: 11025, channels: [tone(11025, 0.4), tone(11025, 0.4, 200)], encoding: 'float64', extensible: true }),
  base('pcm16-3ch-96k', { sampleRate: 96000, channels: [tone(96000, 0.31), tone(96000, 0.31, 500), tone(96000, 0.31, 900)], encoding: 'pcm16' }),
];

const U16 = [0, 1, 2, 3, 4, 6, 7, 8, 12, 16, 20, 24, 32, 48, 63, 64, 65, 255, 256, 0x7fff, 0x8000, 0xfffe, 0xffff];
const U32 = [0, 1, 2, 999, 1000, 8000, 44100, 48000, 96000, 192000, 192001, 200001, 352800, 384000, 384001, 1 << 20, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const IDS = ['fmt ', 'data', 'LIST', 'JUNK', 'RIFF', 'WAVE', 'ds64', '\0\0\0\0'];
const FLOATS = [NaN, Infinity, -Infinity, 1e30, -1e36, 3e38, 3.4028234663852886e38, 1e300, -1e308, 5e-324, 1e-40, 2, -1];

/** One mutation; returns a short description for the failure report. */
function mutate(b: Base, x: Uint8Array, rng: Rng): { bytes: Uint8Array; op: string } {
  const v = new DataView(x.buffer, x.byteOffset, x.byteLength);
  // [lo, hi), or lo when the range is empty (a file already cut short).
  const int = (lo: number, hi: number) => (hi > lo ? rng.int(lo, hi) : lo);
  const pick = <T,>(a: readonly T[]) => a[int(0, a.length)]!;
  switch (int(0, 8)) {
    case 0: {
      // Header field of the fmt chunk: tag, channels, rate, byte rate, block align, bits (+ extensible fields).
      const fields: Array<[string, number, 2 | 4]> = [['tag', 0, 2], ['channels', 2, 2], ['rate', 4, 4], ['byteRate', 8, 4], ['blockAlign', 12, 2], ['bits', 14, 2], ['cbSize', 16, 2], ['validBits', 18, 2], ['subFormat', 24, 2]];
      const [name, off, size] = pick(fields);
      const at = b.fmt + off;
      if (at + size > x.length) return { bytes: x, op: `field ${name} (absent)` };
      const value = size === 2 ? (rng.next() < 0.8 ? pick(U16) : int(0, 0x10000)) : rng.next() < 0.8 ? pick(U32) : rng.nextUint32();
      if (size === 2) v.setUint16(at, value, true);
      else v.setUint32(at, value >>> 0, true);
      return { bytes: x, op: `${name}=${value}` };
    }
    case 1: {
      // A chunk size (RIFF, fmt, data) set to an edge value.
      const at = pick([4, b.fmt - 4, b.data + 4]);
      if (at + 4 > x.length) return { bytes: x, op: `size@${at} (cut off)` };
      const value = rng.next() < 0.7 ? pick([...U32, x.length, x.length - at, x.length - at - 8, x.length - at - 7]) : rng.nextUint32();
      v.setUint32(at, value >>> 0, true);
      return { bytes: x, op: `size@${at}=${value}` };
    }
    case 2: {
      const at = pick([0, 8, b.fmt - 8, b.data]);
      const id = pick(IDS);
      if (at + 4 > x.length) return { bytes: x, op: `id@${at} (cut off)` };
      for (let i = 0; i < 4; i++) x[at + i] = id.charCodeAt(i);
      return { bytes: x, op: `id@${at}='${id}'` };
    }
    case 3: {
      const k = int(1, 9);
      const at: number[] = [];
      for (let i = 0; i < k; i++) {
        if (x.length === 0) break;
        const p = rng.next() < 0.6 ? int(0, Math.min(x.length, b.data + 8)) : int(0, x.length);
        x[p] = int(0, 256);
        at.push(p);
      }
      return { bytes: x, op: `flip@${at.join(',')}` };
    }
    case 4: {
      const n = rng.next() < 0.5 ? int(0, Math.min(x.length, b.data + 16)) : int(0, x.length);
      return { bytes: x.slice(0, n), op: `cut@${n}` };
    }
    case 5: {
      // Insert or delete a few bytes inside the header: every later offset shifts.
      const at = int(0, b.data + 8);
      const n = int(1, 33);
      if (rng.next() < 0.5) return { bytes: Uint8Array.from([...x.subarray(0, at), ...x.subarray(at + n)]), op: `delete ${n}@${at}` };
      const ins = Array.from({ length: n }, () => int(0, 256));
      return { bytes: Uint8Array.from([...x.subarray(0, at), ...ins, ...x.subarray(at)]), op: `insert ${n}@${at}` };
    }
    case 6: {
      // Float samples made huge, tiny or non-finite (integer files get the same bit patterns as noise).
      const bits = new DataView(b.bytes.buffer).getUint16(b.fmt + 14, true);
      const k = int(1, 4);
      const ops: string[] = [];
      for (let i = 0; i < k; i++) {
        const value = pick(FLOATS);
        const step = bits === 64 ? 8 : 4;
        const p = b.data + 8 + step * int(0, Math.max(1, Math.floor((x.length - b.data - 8) / step) - 1));
        if (p + step > x.length) continue;
        if (step === 8) v.setFloat64(p, value, true);
        else v.setFloat32(p, value, true);
        ops.push(`${value}@${p}`);
      }
      return { bytes: x, op: `float ${ops.join(',')}` };
    }
    default: {
      // A second chunk copied over the data header (fmt twice, data before fmt…).
      const src = rng.next() < 0.5 ? b.fmt - 8 : 12;
      const dst = rng.next() < 0.5 ? b.data : int(12, b.data + 1);
      const len = Math.min(24, x.length - Math.max(src, dst));
      if (len > 0) x.copyWithin(dst, src, src + len);
      return { bytes: x, op: `copy ${src}→${dst}` };
    }
  }
}

/** The raw sample the decoder read for (channel, frame), to tell a faithful non-finite decode from a bug. */
function rawSample(bytes: Uint8Array, file: string, c: number, i: number): number {
  const info = readWavInfo(bytes, file);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const p = info.dataOffset + i * info.blockAlign + c * (info.bitsPerSample >> 3);
  if (info.formatTag !== 3) return 0; // integer PCM is always finite
  return info.bitsPerSample === 64 ? v.getFloat64(p, true) : v.getFloat32(p, true);
}

type Problem = string | undefined;

/** A thrown value is acceptable when it is a SerError whose message is one line starting with the file name. */
function checkError(err: unknown, file: string, where: string): Problem {
  if (!(err instanceof SerError)) return `${where}: not a SerError: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
  if (!err.message.startsWith(`${file}: `) && !err.message.startsWith('offset') && !err.message.startsWith('duration')) return `${where}: message does not name the file: ${err.message}`;
  if (err.message.includes('\n')) return `${where}: multi-line message: ${err.message}`;
  return undefined;
}

/** Runs every stage; `decoded` tells whether the feature loader produced a clip. */
async function runCase(bytes: Uint8Array, file: string): Promise<{ problem: Problem; decoded: boolean }> {
  const problem = await stages(bytes, file);
  return { problem: problem === 'decoded' ? undefined : problem, decoded: problem === 'decoded' };
}

async function stages(bytes: Uint8Array, file: string): Promise<Problem | 'decoded'> {
  // 1. The parser and window decoder.
  try {
    const d = decodeWav(bytes, file);
    for (let c = 0; c < d.channels.length; c++) {
      const ch = d.channels[c]!;
      for (let i = 0; i < ch.length; i++) {
        if (!Number.isFinite(ch[i]!) && Number.isFinite(rawSample(bytes, file, c, i))) return `decodeWav: non-finite output ${ch[i]} from the finite sample ${rawSample(bytes, file, c, i)} (channel ${c}, frame ${i})`;
      }
    }
    const a = await decodeAudio(bytes, file, { start: 17, count: 1000 });
    if (a.channels.length !== d.channels.length) return 'decodeAudio and decodeWav disagree on channels';
  } catch (err) {
    const p = checkError(err, file, 'decodeWav');
    if (p) return p;
  }
  // 2. The scan's probe (streams the whole data chunk).
  try {
    await probeAudio(bytes, file);
  } catch (err) {
    const p = checkError(err, file, 'probeAudio');
    if (p) return p;
  }
  // 3. The feature loader: window, mono, resampling to 48 kHz. Its output must be finite.
  try {
    const clip = await decodeClip(bytes, file, { offset: 0.05, duration: 0.25 });
    if (clip.samples.length !== 12000) return `decodeClip: ${clip.samples.length} samples, expected 12000`;
    for (let i = 0; i < clip.samples.length; i++) if (!Number.isFinite(clip.samples[i]!)) return `decodeClip: non-finite sample ${clip.samples[i]} at ${i}`;
    return 'decoded';
  } catch (err) {
    return checkError(err, file, 'decodeClip');
  }
}

describe('WAV fuzzing', () => {
  it('the valid bases decode', async () => {
    for (const b of BASES) expect(await runCase(b.bytes, `${b.name}.wav`), b.name).toEqual({ problem: undefined, decoded: true });
  });

  it(`${N} mutated WAVs: decoded with finite output or a named SerError, none over 5 s, RSS < 512 MB`, async () => {
    const rng = new Rng(SEED);
    const failures: string[] = [];
    const outcomes = { decoded: 0, refused: 0 };
    let slowest = 0;
    let maxRss = 0;
    const t0 = performance.now();
    for (let n = 0; n < N; n++) {
      const b = BASES[n % BASES.length]!;
      let bytes: Uint8Array = Uint8Array.from(b.bytes);
      const ops: string[] = [];
      for (let k = rng.int(1, 4); k > 0; k--) {
        const m = mutate(b, bytes, rng);
        bytes = m.bytes;
        ops.push(m.op);
      }
      const file = `/fuzz/${b.name}-${n}.wav`;
      const t = performance.now();
      const { problem, decoded } = await runCase(bytes, file);
      const ms = performance.now() - t;
      outcomes[decoded ? 'decoded' : 'refused']++;
      slowest = Math.max(slowest, ms);
      if (problem) failures.push(`case ${n} (seed ${SEED}, ${b.name}: ${ops.join('; ')}): ${problem}`);
      if (ms > CASE_LIMIT_MS) failures.push(`case ${n} (seed ${SEED}, ${b.name}: ${ops.join('; ')}): took ${ms.toFixed(0)} ms`);
      if (n % 50 === 0) maxRss = Math.max(maxRss, process.memoryUsage().rss);
      if (failures.length >= 20) break;
    }
    maxRss = Math.max(maxRss, process.memoryUsage().rss);
    const seconds = (performance.now() - t0) / 1000;
    console.log(`wav fuzz: ${N} cases in ${seconds.toFixed(1)} s (seed ${SEED}): ${outcomes.decoded} decoded, ${outcomes.refused} refused; slowest ${slowest.toFixed(0)} ms; max RSS ${(maxRss / 2 ** 20).toFixed(0)} MB`);
    expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);
    expect(maxRss).toBeLessThan(RSS_LIMIT);
    // Both kinds of outcome occur, or the mutations are too mild (or too wild) to test anything.
    expect(outcomes.decoded).toBeGreaterThan(N / 10);
    expect(outcomes.refused).toBeGreaterThan(N / 10);
  }, 600_000);
});
