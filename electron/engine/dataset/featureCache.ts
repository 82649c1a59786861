/**
 * On-disk cache of mel-dB features (post mel/dB, pre-scaler), so a 1000-epoch run never recomputes a
 * spectrogram. Key = file content hash + feature-config hash: editing a file or changing any feature
 * parameter misses the cache; renaming or moving a file does not. One small file per clip,
 * `<dataDir>/features/<configHash>-d<DECODER_REVISION>/<ab>/<contentHash>.mel`, written atomically (temp +
 * rename), with a 16-byte header checked on read so a torn or foreign file is recomputed, never trusted. Only finite
 * features are written; an entry holding NaN/±Inf (left by a version before that check) is deleted when read.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync, unlinkSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { featureConfigHash, FeatureExtractor, PAPER_FEATURES, type FeatureConfig } from '../audio/features.js';
import { SerError } from '../../shared/errors.js';
import { startWorker } from '../workers/spawn.js';
import { decodeClip } from '../audio/load.js';
import { Deadline } from '../audio/limits.js';
import { hashSource, inMemory, withFile, type ByteSource } from '../audio/source.js';
import { addAwgn } from '../audio/awgn.js';
import { changeSpeed } from '../audio/speed.js';
import { stretchFrames } from '../audio/pitchShift.js';
import { Rng } from '../audio/rng.js';
import type { ExtractJob, ExtractReply, ExtractWorkerData } from './extractWorker.js';

const MAGIC = 0x31465856; // 'VXF1' little-endian
const HEADER = 16;

function countNonFinite(a: Float32Array): number {
  let bad = 0;
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) bad++;
  return bad;
}

export interface CacheEntryRef {
  absPath: string;
  contentHash: string;
  /**
   * A noisy training copy (AWGN at `snrDb`, noise from a generator seeded with `noiseSeed`) instead of the clean
   * clip: the reference makes its copies once, before training, so they are cached like clean features.
   */
  augment?: CopyAugment;
}

/** How one training copy differs from the clean clip. */
export interface CopyAugment {
  noiseSeed: number;
  snrDb: number;
  /** Playback speed (audio/speed.ts), when not 1. */
  speed?: number;
  /** Seconds added to the window's offset (never before the file's start), when not 0. */
  shift?: number;
  /** Pitch and formants scaled by this factor with the tempo kept (audio/pitchShift.ts), when not 1. */
  pitch?: number;
}

/** Cache key of an entry: the content hash, or a hash of it with the augmentation parameters. */
export function cacheKey(ref: Pick<CacheEntryRef, 'contentHash' | 'augment'>): string {
  if (!ref.augment) return ref.contentHash;
  const { noiseSeed, snrDb, speed, shift, pitch } = ref.augment;
  // Copies at speed 1, shift 0 and pitch 1 keep the keys they had before those augmentations existed.
  const sped = speed !== undefined && speed !== 1 ? `:speed:${speed}` : '';
  const shifted = shift !== undefined && shift !== 0 ? `:shift:${shift}` : '';
  const pitched = pitch !== undefined && pitch !== 1 ? `:pitch:${pitch}` : '';
  return createHash('sha256').update(`${ref.contentHash}:awgn:${noiseSeed}:${snrDb}${sped}${shifted}${pitched}`).digest('hex');
}

export interface ExtractProgress {
  done: number;
  total: number;
  cached: number;
  computed: number;
  failed: number;
  file: string;
  elapsedMs: number;
  /** Estimated ms left, from the pace of the files computed so far. */
  etaMs: number;
}

export interface ExtractSummary {
  total: number;
  cached: number;
  computed: number;
  failed: Array<{ file: string; reason: string }>;
  ms: number;
  workers: number;
}

/** Mel dB of one entry from the file (bytes, or an open file read only in the window): the clean clip, or its noisy copy. */
export async function computeEntry(fx: FeatureExtractor, input: Uint8Array | ByteSource, ref: CacheEntryRef, deadline?: Deadline): Promise<Float32Array> {
  const c = fx.config;
  const sr = c.mel.sampleRate;
  const speed = ref.augment?.speed ?? 1;
  const offset = Math.max(0, c.offset + (ref.augment?.shift ?? 0));
  // A sped-up copy fills the window from duration·speed seconds of the source, starting at the (shifted) offset.
  const clip = await decodeClip(input, ref.absPath, { sampleRate: sr, offset, duration: c.duration * speed }, deadline);
  const window = speed === 1 ? clip.samples : fitLength(await changeSpeed(clip.samples, speed, sr), Math.floor(c.duration * sr));
  // A pitch-shifted copy: the window played `pitch` times faster, then its frames stretched back to the window's.
  const pitch = ref.augment?.pitch ?? 1;
  const voiced = pitch === 1 ? window : await changeSpeed(window, pitch, sr);
  const samples = ref.augment ? addAwgn(voiced, ref.augment.snrDb, new Rng(ref.augment.noiseSeed)) : voiced;
  const melDb = fx.melDbOf(samples);
  if (pitch === 1) return melDb;
  return stretchFrames(melDb, c.mel.nMels, fx.mel.frameCount(samples.length), fx.mel.frameCount(window.length), pitch);
}

/** `x` trimmed or zero-padded to `n` samples (the resampler's length can differ from the window's by one). */
function fitLength(x: Float32Array, n: number): Float32Array {
  if (x.length === n) return x;
  const out = new Float32Array(n);
  out.set(x.length > n ? x.subarray(0, n) : x);
  return out;
}

/**
 * Mel dB of `ref` after checking the file is still the content the scan hashed (read a block at a time; only the
 * window is decoded). The caller's file is opened as a regular file only.
 */
export async function computeChecked(fx: FeatureExtractor, ref: CacheEntryRef): Promise<Float32Array> {
  return withFile(ref.absPath, async (file) => {
    const deadline = new Deadline(ref.absPath);
    const src = inMemory(file);
    if (hashSource(src, deadline) !== ref.contentHash) throw new SerError('io', `${ref.absPath}: the file changed since the dataset was scanned; scan it again`);
    return computeEntry(fx, src, ref, deadline);
  });
}

/**
 * Bumped when decoding changes the samples a file gives, so features of an older decoder are recomputed, never mixed
 * with new ones (2: the last frame of FLACs that codec-parser dropped — 97 of ravdess-20's clips). A folder of an
 * older revision is left as it was: `rm -r <dataDir>/features/<hash>` (no `-d` suffix) frees its space.
 */
export const DECODER_REVISION = 2;

export class FeatureCache {
  readonly root: string;
  readonly config: FeatureConfig;
  readonly configHash: string;
  readonly nMels: number;
  readonly nFrames: number;

  constructor(dataDir: string, config: FeatureConfig = PAPER_FEATURES) {
    this.config = config;
    this.configHash = featureConfigHash(config);
    this.root = join(dataDir, 'features', `${this.configHash}-d${DECODER_REVISION}`);
    this.nMels = config.mel.nMels;
    this.nFrames = 1 + Math.floor(Math.floor(config.duration * config.mel.sampleRate) / config.mel.hopLength);
  }

  pathFor(contentHash: string): string {
    if (!/^[0-9a-f]{16,}$/.test(contentHash)) throw new Error(`bad content hash '${contentHash}'`);
    return join(this.root, contentHash.slice(0, 2), `${contentHash}.mel`);
  }

  has(contentHash: string): boolean {
    return existsSync(this.pathFor(contentHash));
  }

  /** The cached nMels × nFrames mel dB, or undefined when absent or unusable. */
  read(contentHash: string): Float32Array | undefined {
    let buf: Buffer;
    try {
      buf = readFileSync(this.pathFor(contentHash));
    } catch {
      return undefined;
    }
    const n = this.nMels * this.nFrames;
    if (buf.length !== HEADER + 4 * n || buf.readUInt32LE(0) !== MAGIC || buf.readUInt32LE(4) !== this.nMels || buf.readUInt32LE(8) !== this.nFrames) return undefined;
    const out = new Float32Array(n);
    new Uint8Array(out.buffer).set(buf.subarray(HEADER));
    if (countNonFinite(out) > 0) {
      // Cached by a version that did not check: never trusted, and removed so the next extract recomputes (and refuses) it.
      this.#remove(contentHash);
      return undefined;
    }
    return out;
  }

  /**
   * Stores one entry. `source` (the audio file) names it in errors. Non-finite features are refused: cached, they
   * would turn a run's scaler statistics into NaN.
   */
  write(contentHash: string, melDb: Float32Array, source?: string): void {
    const n = this.nMels * this.nFrames;
    if (melDb.length !== n) throw new RangeError(`feature cache: expected ${n} values, got ${melDb.length}`);
    const bad = countNonFinite(melDb);
    if (bad > 0) throw new SerError('corrupt', `${source ?? contentHash}: non-finite features (${bad} of ${n} mel-dB values are NaN or ±Inf); not cached`);
    const path = this.pathFor(contentHash);
    mkdirSync(dirname(path), { recursive: true });
    const buf = Buffer.allocUnsafe(HEADER + 4 * n);
    buf.writeUInt32LE(MAGIC, 0);
    buf.writeUInt32LE(this.nMels, 4);
    buf.writeUInt32LE(this.nFrames, 8);
    buf.writeUInt32LE(0, 12);
    Buffer.from(melDb.buffer, melDb.byteOffset, melDb.byteLength).copy(buf, HEADER);
    const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      writeFileSync(tmp, buf);
      renameSync(tmp, path);
    } catch (err) {
      try {
        unlinkSync(tmp);
      } catch {
        /* nothing to clean */
      }
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC') throw new Error(`disk full while writing the feature cache in ${this.root}; free some space and run again (files done so far are kept)`);
      throw err;
    }
  }

  #remove(contentHash: string): void {
    try {
      unlinkSync(this.pathFor(contentHash));
    } catch {
      /* already gone, or read-only: it stays untrusted either way */
    }
  }

  /**
   * Makes sure every file has cached features, computing the missing ones on worker threads (one per core
   * by default). Failures are collected per file; the rest goes on.
   */
  async ensure(files: CacheEntryRef[], opts: { workers?: number; onProgress?: (p: ExtractProgress) => void } = {}): Promise<ExtractSummary> {
    const t0 = performance.now();
    const todo = files.filter((f) => !this.has(cacheKey(f)));
    const summary: ExtractSummary = { total: files.length, cached: files.length - todo.length, computed: 0, failed: [], ms: 0, workers: 0 };
    let done = summary.cached;
    const report = (file: string) => {
      const elapsedMs = performance.now() - t0;
      const rate = summary.computed + summary.failed.length > 0 ? elapsedMs / (summary.computed + summary.failed.length) : 0;
      opts.onProgress?.({ done, total: files.length, cached: summary.cached, computed: summary.computed, failed: summary.failed.length, file, elapsedMs, etaMs: rate * (files.length - done) });
    };
    if (todo.length === 0) {
      report('');
      summary.ms = performance.now() - t0;
      return summary;
    }
    const nWorkers = Math.max(0, Math.min(opts.workers ?? availableParallelism(), todo.length));
    summary.workers = nWorkers;
    if (nWorkers === 0) {
      const fx = new FeatureExtractor(this.config);
      for (const f of todo) {
        try {
          this.write(cacheKey(f), await computeChecked(fx, f), f.absPath);
          summary.computed++;
        } catch (err) {
          summary.failed.push({ file: f.absPath, reason: (err as Error).message });
        }
        done++;
        report(f.absPath);
      }
      summary.ms = performance.now() - t0;
      return summary;
    }
    // Never rejects: per-file failures (and a crashed worker's jobs) are collected in summary.failed.
    await new Promise<void>((resolve) => {
      let next = 0;
      let live = nWorkers;
      const workerData: ExtractWorkerData = { dataDirRoot: this.root, config: this.config };
      for (let w = 0; w < nWorkers; w++) {
        const worker = startWorker(import.meta.url, 'extractWorker', { workerData });
        const pending = new Map<number, CacheEntryRef>();
        const feed = () => {
          if (next >= todo.length) {
            void worker.terminate();
            return;
          }
          const id = next++;
          const f = todo[id]!;
          pending.set(id, f);
          const job: ExtractJob = { id, absPath: f.absPath, contentHash: f.contentHash, ...(f.augment ? { augment: f.augment } : {}) };
          worker.postMessage(job);
        };
        worker.on('message', (msg: ExtractReply) => {
          const f = pending.get(msg.id)!;
          pending.delete(msg.id);
          if (msg.type === 'done') summary.computed++;
          else summary.failed.push({ file: f.absPath, reason: msg.message });
          done++;
          report(f.absPath);
          feed();
        });
        worker.on('error', (err) => {
          for (const f of pending.values()) summary.failed.push({ file: f.absPath, reason: `feature worker crashed: ${err.message}` });
          pending.clear();
        });
        worker.on('exit', () => {
          if (--live === 0) {
            // Jobs a crashed worker never took are left for the remaining ones; if none remain, report them.
            while (next < todo.length) summary.failed.push({ file: todo[next++]!.absPath, reason: 'not processed: every feature worker stopped' });
            resolve();
          }
        });
        worker.once('online', feed);
      }
    });
    summary.ms = performance.now() - t0;
    return summary;
  }
}
