/**
 * A generated corpus of bad audio, made on the spot in a temp folder (FIFOs, symlinks to devices, sparse multi-GiB
 * files, damaged and hostile headers, a name that is not UTF-8). Each case must end in its own one-line SerError
 * naming the file — never a hang, a raw RangeError or gigabytes of memory — through the loader, a dataset scan
 * (which still scans every other file), feature extraction and the `ser` command. Limits: electron/engine/audio/limits.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClip } from '../../electron/engine/audio/load.js';
import { MAX_CHANNELS } from '../../electron/engine/audio/limits.js';
import { hashSource, FileSource } from '../../electron/engine/audio/source.js';
import { FeatureCache } from '../../electron/engine/dataset/featureCache.js';
import { scanDataset } from '../../electron/engine/dataset/scan.js';
import { SerError } from '../../electron/shared/errors.js';
import { runSer } from '../helpers/ser.js';
import { sine, writeWav } from '../helpers/wavWriter.js';

const posix = process.platform !== 'win32';
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

// ---- a RIFF writer for broken headers (independent of the app's decoder) ----

function chunk(id: string, body: Uint8Array, declared = body.length): Uint8Array {
  const out = new Uint8Array(8 + body.length + (body.length & 1));
  for (let i = 0; i < 4; i++) out[i] = id.charCodeAt(i);
  new DataView(out.buffer).setUint32(4, declared >>> 0, true);
  out.set(body, 8);
  return out;
}

function riff(...chunks: Uint8Array[]): Uint8Array {
  const body = Buffer.concat([Buffer.from('WAVE'), ...chunks]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return new Uint8Array(Buffer.concat([head, body]));
}

interface Fmt {
  tag?: number;
  channels: number;
  rate: number;
  bits: number;
  blockAlign?: number;
  size?: number;
}

function fmt(f: Fmt): Uint8Array {
  const b = Buffer.alloc(Math.max(f.size ?? 16, 16));
  b.writeUInt16LE(f.tag ?? 1, 0);
  b.writeUInt16LE(f.channels, 2);
  b.writeUInt32LE(f.rate >>> 0, 4);
  const align = f.blockAlign ?? (f.bits / 8) * f.channels;
  b.writeUInt32LE((f.rate * align) >>> 0, 8);
  b.writeUInt16LE(align & 0xffff, 12);
  b.writeUInt16LE(f.bits, 14);
  return chunk('fmt ', new Uint8Array(b.subarray(0, f.size ?? 16)));
}

/** Interleaved 16-bit PCM of a 440 Hz tone on every channel. */
function pcm16(frames: number, channels: number, rate: number): Uint8Array {
  const b = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(0.4 * 32767 * Math.sin((2 * Math.PI * 440 * i) / rate));
    for (let c = 0; c < channels; c++) b.writeInt16LE(v, 2 * (i * channels + c));
  }
  return new Uint8Array(b);
}

const wav16 = (channels: number, rate: number, seconds: number, extra: Partial<Fmt> = {}) =>
  riff(fmt({ channels, rate, bits: 16, ...extra }), chunk('data', pcm16(Math.round(rate * seconds), channels, rate)));

// ---- the corpus ----

let dir: string;
/** Dataset root: every file of the corpus lies in a label folder, beside good files. */
let root: string;

interface BadCase {
  name: string;
  /** Creates the file at `path` (may be a FIFO, a link, a folder…). */
  make: (path: string) => void;
  /** The one-line reason (after "<path>: "). */
  reason: RegExp;
  /** 'ok': a scan accepts the file (only the feature loader refuses it); 'absent': a scan walks into it (a folder). */
  scan?: 'ok' | 'absent';
  skip?: boolean;
}

const CASES: BadCase[] = [
  { name: 'fifo.wav', make: (p) => execFileSync('mkfifo', [p]), reason: /^is a named pipe \(FIFO\), not a regular file/, skip: !posix },
  { name: 'dev-zero.wav', make: (p) => symlinkSync('/dev/zero', p), reason: /^is a character device \(e\.g\. \/dev\/zero\), not a regular file/, skip: !posix },
  { name: 'link-to-fifo.wav', make: (p) => { execFileSync('mkfifo', [`${p}.target`]); symlinkSync(`${p}.target`, p); }, reason: /^is a named pipe/, skip: !posix },
  { name: 'folder.wav', make: (p) => mkdirSync(p), reason: /^is a directory, not an audio file/, scan: 'absent' },
  { name: 'loop.wav', make: (p) => symlinkSync(p, p), reason: /^symbolic link loop/, skip: !posix },
  { name: 'dangling.wav', make: (p) => symlinkSync(`${p}.gone`, p), reason: /^no such file/, skip: !posix },
  { name: 'channels-65535.wav', make: (p) => writeFileSync(p, riff(fmt({ channels: 65535, rate: 48000, bits: 16, blockAlign: 0 }), chunk('data', pcm16(4800, 1, 48000)))), reason: /^the header declares 65535 channels; at most 64 are supported/ },
  { name: 'channels-256.wav', make: (p) => writeFileSync(p, wav16(256, 8000, 0.1)), reason: /^the header declares 256 channels; at most 64/ },
  { name: 'channels-65.wav', make: (p) => writeFileSync(p, wav16(65, 8000, 0.1)), reason: /^the header declares 65 channels; at most 64/ },
  { name: 'channels-0.wav', make: (p) => writeFileSync(p, wav16(1, 8000, 1, { channels: 0, blockAlign: 0 })), reason: /^the header declares 0 channels/ },
  { name: 'rate-0.wav', make: (p) => writeFileSync(p, wav16(1, 8000, 1, { rate: 0 })), reason: /^the header declares a sample rate of 0 Hz/ },
  { name: 'rate-500.wav', make: (p) => writeFileSync(p, wav16(1, 500, 2)), reason: /^sample rate 500 Hz is outside the supported 1–384 kHz/ },
  { name: 'rate-768k.wav', make: (p) => writeFileSync(p, wav16(1, 768000, 0.1)), reason: /^sample rate 768000 Hz is outside the supported 1–384 kHz/ },
  // Within the limits but not convertible to 48 kHz (above 192 kHz only standard rates are): a scan accepts it.
  { name: 'rate-200001.wav', make: (p) => writeFileSync(p, wav16(1, 200001, 1)), reason: /^sample rate 200001 Hz cannot be converted to 48000 Hz/, scan: 'ok' },
  { name: 'no-fmt.wav', make: (p) => writeFileSync(p, riff(chunk('data', pcm16(8000, 1, 8000)))), reason: /^WAV file has no fmt chunk/ },
  { name: 'fmt-short.wav', make: (p) => writeFileSync(p, riff(fmt({ channels: 1, rate: 8000, bits: 16, size: 12 }), chunk('data', pcm16(8000, 1, 8000)))), reason: /^truncated WAV header \(fmt chunk is incomplete\)/ },
  { name: 'extensible-short.wav', make: (p) => writeFileSync(p, riff(fmt({ tag: 0xfffe, channels: 1, rate: 8000, bits: 16, size: 18 }), chunk('data', pcm16(8000, 1, 8000)))), reason: /^truncated WAVE_FORMAT_EXTENSIBLE header/ },
  { name: 'block-align-stereo.wav', make: (p) => writeFileSync(p, wav16(2, 16000, 1, { blockAlign: 2 })), reason: /^damaged WAV header: block align is 2 bytes, but 2 channels of 16-bit samples take 4/ },
  { name: 'block-align-odd.wav', make: (p) => writeFileSync(p, wav16(1, 16000, 1, { blockAlign: 3 })), reason: /^damaged WAV header: block align is 3 bytes, but 1 channel of 16-bit samples take 2/ },
  { name: 'no-data.wav', make: (p) => writeFileSync(p, riff(fmt({ channels: 1, rate: 8000, bits: 16 }), chunk('LIST', new Uint8Array(10)))), reason: /^WAV file has no audio data chunk/ },
  { name: 'empty-data.wav', make: (p) => writeFileSync(p, riff(fmt({ channels: 1, rate: 8000, bits: 16 }), chunk('data', new Uint8Array(0)))), reason: /^WAV file has no audio samples/ },
  { name: 'chunk-flood.wav', make: (p) => writeFileSync(p, riff(fmt({ channels: 1, rate: 8000, bits: 16 }), ...Array.from({ length: 2000 }, () => chunk('JUNK', new Uint8Array(0))), chunk('data', pcm16(8000, 1, 8000)))), reason: /^damaged WAV header \(more than 1024 chunks before the audio data\)/ },
  { name: 'data-past-end.wav', make: (p) => writeFileSync(p, riff(fmt({ channels: 1, rate: 8000, bits: 16 }), chunk('JUNK', new Uint8Array(4), 0x7fffffff), chunk('data', pcm16(8000, 1, 8000)))), reason: /^WAV file has no audio data chunk/ },
  {
    name: 'float64-beyond-float32.wav',
    make: (p) => {
      const x = sine(300, 8000, 1);
      x[6000] = 1e300; // inside the loaded window (0.5 s on)
      writeFileSync(p, writeWav({ sampleRate: 8000, channels: [x], encoding: 'float64' }));
    },
    reason: /^non-finite or overflowing samples \(1\.00e\+300 at 0\.750 s, channel 1; samples must be finite and within ±16777216\)/,
  },
  {
    name: 'sparse-3GiB.wav',
    make: (p) => {
      writeFileSync(p, wav16(1, 48000, 0.01));
      truncateSync(p, 3 * GiB);
    },
    reason: /^3\.0 GiB is larger than the 512 MiB limit for WAV files/,
  },
  {
    name: 'sparse-100MiB.flac',
    make: (p) => {
      writeFileSync(p, Buffer.from('fLaC'));
      truncateSync(p, 100 * MiB);
    },
    reason: /^100 MiB is larger than the 64 MiB limit for FLAC files/,
  },
  { name: 'empty.wav', make: (p) => writeFileSync(p, ''), reason: /^(file is empty \(0 bytes\)|empty file \(0 bytes\))/ },
  { name: 'junk.wav', make: (p) => writeFileSync(p, Buffer.alloc(4096, 'not audio ')), reason: /^not a recognised audio file/ },
  { name: 'damaged.flac', make: (p) => writeFileSync(p, Buffer.concat([Buffer.from('fLaC'), Buffer.alloc(5000, 0x5a)])), reason: /^(no audio could be decoded from this FLAC file|cannot decode FLAC data)/ },
  { name: 'damaged.mp3', make: (p) => writeFileSync(p, Buffer.concat([Buffer.from('ID3\x03\x00\x00\x00\x00\x00\x00', 'latin1'), Buffer.alloc(5000, 0x11)])), reason: /^(no audio could be decoded from this MP3 file|cannot decode MP3 data)/ },
  { name: 'damaged.ogg', make: (p) => writeFileSync(p, Buffer.concat([Buffer.from('OggS'), Buffer.alloc(5000, 0x22)])), reason: /^(no audio could be decoded from this Ogg Vorbis file|cannot decode Ogg Vorbis data)/ },
];

/** Files at the edge of the limits, which must decode. */
const GOOD: Array<{ name: string; bytes: () => Uint8Array }> = [
  { name: 'good-mono.wav', bytes: () => wav16(1, 48000, 1.5) },
  { name: `good-${MAX_CHANNELS}-channels.wav`, bytes: () => wav16(MAX_CHANNELS, 16000, 1) },
  { name: 'good-352k8.wav', bytes: () => wav16(1, 352800, 1) },
  { name: 'good-384k.wav', bytes: () => wav16(2, 384000, 1) },
  { name: 'good-data-before-fmt.wav', bytes: () => riff(chunk('data', pcm16(16000, 1, 16000)), fmt({ channels: 1, rate: 16000, bits: 16 })) },
  { name: 'good-block-align-0.wav', bytes: () => wav16(2, 22050, 1, { blockAlign: 0 }) },
];

/** A file name that is not UTF-8 (POSIX file systems other than macOS's accept any bytes but '/' and NUL). */
const BAD_NAME = Buffer.concat([Buffer.from('bad-name-'), Buffer.from([0xff, 0xfe]), Buffer.from('.wav')]);
let badNameOk = false;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ser-bad-input-'));
  root = join(dir, 'ds');
  mkdirSync(join(root, 'angry'), { recursive: true });
  mkdirSync(join(root, 'sad'), { recursive: true });
  for (const c of CASES) if (!c.skip) c.make(join(root, 'angry', c.name));
  for (const g of GOOD) writeFileSync(join(root, 'sad', g.name), g.bytes());
  if (posix) {
    try {
      writeFileSync(Buffer.concat([Buffer.from(join(root, 'sad') + '/'), BAD_NAME]), wav16(1, 16000, 1));
      badNameOk = true;
    } catch {
      // The file system refuses such names (APFS): nothing to test.
    }
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function refusal(p: Promise<unknown>): Promise<SerError> {
  try {
    await p;
  } catch (err) {
    return err as SerError;
  }
  throw new Error('expected the promise to reject');
}

describe('the loader names every bad file and why', () => {
  for (const c of CASES) {
    (c.skip ? it.skip : it)(`${c.name}: ${c.reason.source.replace(/^\^/, '').slice(0, 60)}`, async () => {
      const path = join(root, 'angry', c.name);
      const t0 = performance.now();
      const rss0 = process.memoryUsage().rss;
      const err = await refusal(loadClip(path, { offset: 0.5, duration: 3 }));
      expect(err).toBeInstanceOf(SerError);
      expect(err.message.startsWith(`${path}: `), err.message).toBe(true);
      expect(err.message).not.toContain('\n');
      expect(err.message.slice(path.length + 2)).toMatch(c.reason);
      expect(performance.now() - t0).toBeLessThan(5000);
      expect(process.memoryUsage().rss - rss0).toBeLessThan(256 * MiB);
    });
  }

  for (const g of GOOD) {
    it(`decodes ${g.name} (at the limits)`, async () => {
      const clip = await loadClip(join(root, 'sad', g.name), { offset: 0.25, duration: 0.5 });
      expect(clip.samples.length).toBe(24000);
      expect(clip.validSamples).toBe(24000);
      expect(clip.samples.every(Number.isFinite)).toBe(true);
      let peak = 0;
      for (const v of clip.samples) peak = Math.max(peak, Math.abs(v));
      expect(peak).toBeGreaterThan(0.3);
      expect(peak).toBeLessThan(0.45);
    });
  }

  (posix ? it : it.skip)('reports a name that is not UTF-8 as such, not as a missing file', async () => {
    if (!badNameOk) return;
    const lossy = join(root, 'sad', BAD_NAME.toString('utf8'));
    const err = await refusal(loadClip(lossy));
    expect(err).toBeInstanceOf(SerError);
    expect(err.message).toBe(`${lossy}: cannot open: the file name is not valid UTF-8 (shown with � for the bad bytes); rename the file`);
  });

  it('reads only the window of a sparse 400 MiB WAV: fast, and memory follows the window', async () => {
    const p = join(dir, 'sparse-400MiB.wav');
    const head = Buffer.from(wav16(1, 48000, 0));
    head.writeUInt32LE(400 * MiB, head.length - 4); // the data chunk claims the whole file
    writeFileSync(p, head);
    truncateSync(p, head.length + 400 * MiB);
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const clip = await loadClip(p, { offset: 60, duration: 3 });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(64 * MiB);
    expect(clip.samples.length).toBe(144000);
    expect(clip.fileSeconds).toBeCloseTo((400 * MiB) / 2 / 48000, 3);
    rmSync(p);
  });

  it('hashes a file a block at a time', () => {
    const src = FileSource.open(join(root, 'sad', 'good-mono.wav'));
    try {
      expect(hashSource(src)).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      src.close();
    }
  });
});

describe('a dataset scan reports each bad file and still scans the rest', () => {
  it('every case becomes a problem with its reason; the good files stay usable', async () => {
    const t0 = performance.now();
    const { summary, files } = await scanDataset(root);
    expect(performance.now() - t0).toBeLessThan(30_000);
    const problems = new Map(summary.problems.map((p) => [p.file, p.reason]));
    for (const c of CASES) {
      if (c.skip) continue;
      const reason = problems.get(`angry/${c.name}`);
      if (c.scan) expect(reason, c.name).toBeUndefined();
      else expect(reason, c.name).toMatch(c.reason);
    }
    for (const g of GOOD) expect(problems.get(`sad/${g.name}`), g.name).toBeUndefined();
    expect(files.find((f) => f.path === `sad/good-${MAX_CHANNELS}-channels.wav`)?.channels).toBe(MAX_CHANNELS);
    expect(files.find((f) => f.path === 'sad/good-384k.wav')?.sampleRate).toBe(384000);
    if (badNameOk) {
      const bad = summary.problems.filter((p) => p.file.startsWith('sad/bad-name-'));
      expect(bad).toHaveLength(1);
      expect(bad[0]!.reason).toMatch(/not valid UTF-8/);
    }
    expect(summary.usable).toBe(GOOD.length + 1); // + rate-200001.wav, which only the loader refuses
    expect(summary.files).toBe(CASES.filter((c) => !c.skip && c.scan !== 'absent').length + GOOD.length + (badNameOk ? 1 : 0));
  }, 60_000);

  it('gives up on a file after the per-file time limit, naming it', async () => {
    const small = join(dir, 'time-limit');
    mkdirSync(join(small, 'happy'), { recursive: true });
    const p = join(small, 'happy', 'long.wav');
    const head = Buffer.from(wav16(1, 48000, 0));
    head.writeUInt32LE(480 * MiB, head.length - 4);
    writeFileSync(p, head);
    truncateSync(p, head.length + 480 * MiB); // ~ 45 min of audio: hashing and probing it takes well over 250 ms
    writeFileSync(join(small, 'happy', 'ok.wav'), wav16(1, 16000, 1));
    const t0 = performance.now();
    const { summary } = await scanDataset(small, { fileTimeLimitMs: 250 });
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(summary.problems).toEqual([{ file: 'happy/long.wav', reason: expect.stringMatching(/^reading and decoding took longer than 0\.25 s, the per-file limit/) }]);
    expect(summary.usable).toBe(1);
  });
});

describe('feature extraction fails per file, by name, without stalling', () => {
  it('computes the good files on a worker and names each failure', async () => {
    const cache = new FeatureCache(join(dir, 'data'));
    const hashOf = (p: string) => {
      const s = FileSource.open(p);
      try {
        return hashSource(s);
      } finally {
        s.close();
      }
    };
    const good = join(root, 'sad', 'good-mono.wav');
    const odd = join(root, 'angry', 'rate-200001.wav');
    const refs = [
      { absPath: good, contentHash: hashOf(good) },
      { absPath: odd, contentHash: hashOf(odd) },
      ...(posix ? [{ absPath: join(root, 'angry', 'fifo.wav'), contentHash: 'ab'.repeat(32) }, { absPath: join(root, 'angry', 'dev-zero.wav'), contentHash: 'cd'.repeat(32) }] : []),
    ];
    const res = await cache.ensure(refs, { workers: 1 });
    expect(res.computed).toBe(1);
    const failed = new Map(res.failed.map((f) => [f.file, f.reason]));
    expect(failed.get(odd)).toMatch(/rate-200001\.wav: sample rate 200001 Hz cannot be converted/);
    if (posix) {
      expect(failed.get(join(root, 'angry', 'fifo.wav'))).toMatch(/fifo\.wav: is a named pipe/);
      expect(failed.get(join(root, 'angry', 'dev-zero.wav'))).toMatch(/dev-zero\.wav: is a character device/);
    }
  });
});

describe('the ser command (built) exits 1 with one line, never hangs', () => {
  const env = () => ({ SER_DATA_DIR: join(dir, 'cli-data'), SER_DB: join(dir, 'cli.db') });
  const cliCases = CASES.filter((c) => ['fifo.wav', 'dev-zero.wav', 'channels-65535.wav', 'sparse-3GiB.wav', 'no-fmt.wav', 'block-align-stereo.wav'].includes(c.name));
  for (const c of cliCases) {
    (c.skip ? it.skip : it)(`ser features ${c.name}`, async () => {
      const path = join(root, 'angry', c.name);
      const r = await runSer(['features', path], { env: env(), timeoutMs: 20_000 });
      expect(r.code, r.stderr).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]!.startsWith(`ser: ${path}: `)).toBe(true);
      expect(lines[0]!.slice(`ser: ${path}: `.length)).toMatch(c.reason);
    });
  }

  it('ser dataset scan and extract finish on the whole corpus, reporting the bad files', async () => {
    const scan = await runSer(['dataset', 'scan', root, '--json', '--no-save'], { env: env(), timeoutMs: 60_000 });
    expect(scan.code, scan.stderr).toBe(0);
    const s = JSON.parse(scan.stdout) as { usable: number; problems: Array<{ file: string; reason: string }> };
    expect(s.usable).toBe(GOOD.length + 1);
    if (posix) expect(s.problems).toContainEqual({ file: 'angry/fifo.wav', reason: expect.stringMatching(/named pipe/) });
    const extract = await runSer(['dataset', 'extract', root, '--json', '--workers', '1'], { env: env(), timeoutMs: 120_000 });
    expect(extract.code, extract.stderr).toBe(0);
    const e = JSON.parse(extract.stdout) as { computed: number; failed: Array<{ file: string; reason: string }> };
    expect(e.computed).toBe(GOOD.length);
    expect(e.failed).toEqual([{ file: join(root, 'angry', 'rate-200001.wav'), reason: expect.stringMatching(/cannot be converted to 48000 Hz/) }]);
  }, 180_000);
});
