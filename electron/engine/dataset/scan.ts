/**
 * Dataset scanning: finds audio files under a folder, reads labels from names (RAVDESS, CREMA-D, TESS,
 * SAVEE) or from label folders, checks every file, and fingerprints the whole set. A bad file becomes a
 * `problem` entry with a reason; it never aborts the scan.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { SerError } from '../../shared/errors.js';
import { EMOTIONS, type Emotion } from '../../shared/labels.js';
import { checkedFormat, probeAudio, sizeLimit, sniffFormat, truncatedReason } from '../audio/decode.js';
import { Deadline, FILE_TIME_LIMIT_MS, MAX_WAV_BYTES } from '../audio/limits.js';
import { badSampleReason } from '../audio/sampleCheck.js';
import { FileSource, hashSource, inMemory } from '../audio/source.js';
import { labelFromFolder, NAME_PARSERS, parseTakeStem, type ClipMeta, type DatasetFormat } from './formats.js';

export const AUDIO_EXTENSIONS = new Set(['.wav', '.wave', '.flac', '.mp3', '.ogg', '.oga']);

export interface DatasetFile extends ClipMeta {
  /** Path relative to the dataset root, '/'-separated. */
  path: string;
  absPath: string;
  size: number;
  /** sha256 of the file's bytes (feature-cache key). */
  contentHash?: string;
  sampleRate?: number;
  channels?: number;
  durationSec?: number;
  /** Why the file cannot be used; undefined when it is fine. */
  problem?: string;
  /** True when a usable file is left out on purpose (song clips in a speech dataset). */
  excluded?: boolean;
}

export interface ScanOptions {
  /** Keep RAVDESS song clips (vocal channel 02). Default false: speech datasets exclude them. */
  includeSong?: boolean;
  /** Offset the features skip (s): a file not longer than this has nothing to analyse. Default 0.5. */
  offset?: number;
  /** Called after every file. */
  onProgress?: (done: number, total: number, file: string) => void;
  /** Files read at once. */
  concurrency?: number;
  /**
   * JSON file remembering each file's size, mtime, hash and checks: a file whose size and mtime are unchanged
   * is not read again (like git's index), so rescanning a big dataset takes a moment, not a minute.
   */
  statCacheFile?: string;
  /** Time one file may take to hash and decode before it becomes a problem (ms). Default FILE_TIME_LIMIT_MS. */
  fileTimeLimitMs?: number;
}

interface StatCacheEntry {
  size: number;
  mtimeMs: number;
  contentHash?: string;
  sampleRate?: number;
  channels?: number;
  durationSec?: number;
  problem?: string;
}
/**
 * Bumped when the checks change, so files a rescan would now flag are read again (2: non-finite samples; 3: the
 * decoders' limits — channels, rates, sizes, regular files only; 4: FLACs shorter than their STREAMINFO declares).
 */
const STAT_CACHE_VERSION = 4;
interface StatCache {
  version: typeof STAT_CACHE_VERSION;
  offset: number;
  files: Record<string, StatCacheEntry>;
}

function loadStatCache(path: string | undefined, offset: number): StatCache {
  const empty: StatCache = { version: STAT_CACHE_VERSION, offset, files: {} };
  if (!path) return empty;
  try {
    const c = JSON.parse(readFileSync(path, 'utf8')) as StatCache;
    return c.version === STAT_CACHE_VERSION && c.offset === offset && c.files && typeof c.files === 'object' ? c : empty;
  } catch {
    return empty;
  }
}

function saveStatCache(path: string | undefined, cache: StatCache): void {
  if (!path) return;
  try {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(cache));
    renameSync(tmp, path);
  } catch {
    // The cache only saves time; failing to write it (read-only or full disk) must not fail the scan.
  }
}

export interface ScanSummary {
  root: string;
  format: DatasetFormat;
  files: number;
  usable: number;
  byEmotion: Record<Emotion, number>;
  bySpeaker: Record<string, number>;
  byVocalChannel: { speech: number; song: number };
  problems: Array<{ file: string; reason: string }>;
  fingerprint: string;
}

export interface ScanResult {
  summary: ScanSummary;
  files: DatasetFile[];
}

/** Peak below this (−80 dBFS) counts as silence. */
const SILENCE_PEAK = 1e-4;

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const SEP = Buffer.from(sep);

function isUtf8(name: Buffer): boolean {
  try {
    STRICT_UTF8.decode(name);
    return true;
  } catch {
    return false;
  }
}

interface Found {
  absPath: string;
  /** The name (or a folder above it) is not valid UTF-8: `absPath` shows U+FFFD and cannot be opened. */
  badName?: boolean;
}

/** Names are read as bytes so that one that is not UTF-8 is reported as such instead of as a missing file. */
async function walk(dir: Buffer, out: Found[], isRoot = true, badDir = false): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, encoding: 'buffer' });
  } catch (err) {
    // An unreadable root is the caller's error; an unreadable sub-folder is skipped.
    if (isRoot) throw err;
    return;
  }
  const named = entries.map((e) => ({ e, name: e.name.toString('utf8') }));
  named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { e, name } of named) {
    if (name.startsWith('.')) continue;
    const p = Buffer.concat([dir, SEP, e.name]);
    const bad = badDir || !isUtf8(e.name);
    if (e.isDirectory()) await walk(p, out, false, bad);
    // FIFOs, sockets and devices named like audio are listed too, to be reported (they are never read).
    else if (AUDIO_EXTENSIONS.has(extname(name).toLowerCase())) out.push({ absPath: p.toString('utf8'), ...(bad ? { badName: true } : {}) });
  }
}

/** Picks the naming convention most files follow (more than half), else folder-per-label. */
export function detectFormat(stems: string[]): DatasetFormat {
  let best: DatasetFormat = 'folders';
  let bestCount = 0;
  for (const [format, parse] of Object.entries(NAME_PARSERS)) {
    const n = stems.reduce((acc, s) => acc + (parse(s) ? 1 : 0), 0);
    if (n > bestCount) {
      best = format as DatasetFormat;
      bestCount = n;
    }
  }
  return bestCount * 2 > stems.length ? best : 'folders';
}

function reasonOf(err: unknown, absPath: string): string {
  const msg = err instanceof Error ? err.message : String(err);
  const code = err instanceof SerError ? undefined : (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'unreadable: permission denied';
  if (code) return `unreadable: ${code} (${msg})`;
  // Engine errors start with the path; the report already names the file.
  return msg.startsWith(`${absPath}: `) ? msg.slice(absPath.length + 2) : msg;
}

/**
 * Reads, hashes and checks one file, setting `problem` when it cannot be used. Only regular files are opened (a FIFO
 * or a link to a device is a problem, not a hang); the file is read a block at a time, never whole, and given up on
 * after `timeLimitMs`.
 */
async function inspect(file: DatasetFile, offset: number, timeLimitMs: number): Promise<void> {
  let src: FileSource;
  try {
    src = FileSource.open(file.absPath);
  } catch (err) {
    file.problem = reasonOf(err, file.absPath);
    return;
  }
  try {
    const deadline = new Deadline(file.absPath, timeLimitMs);
    file.size = src.size;
    const data = inMemory(src);
    // Hashed whatever it holds (the fingerprint notices any change), unless too large to be read at all.
    const format = sniffFormat(data.read(0, 16));
    if (data.size <= (format ? sizeLimit(format) : MAX_WAV_BYTES)) file.contentHash = hashSource(data, deadline);
    if (data.size === 0) {
      file.problem = 'empty file (0 bytes)';
      return;
    }
    checkedFormat(data, file.absPath);
    const probe = await probeAudio(data, file.absPath, deadline);
    file.sampleRate = probe.sampleRate;
    file.channels = probe.channels;
    file.durationSec = probe.totalFrames / probe.sampleRate;
    if (probe.truncated) {
      file.problem = truncatedReason(file.durationSec);
      return;
    }
    if (probe.bad) {
      file.problem = badSampleReason(probe.bad, probe.sampleRate);
      return;
    }
    if (probe.peak < SILENCE_PEAK) {
      file.problem = 'silent: no sound above −80 dBFS';
      return;
    }
    if (file.durationSec <= offset) {
      file.problem = `too short: ${file.durationSec.toFixed(2)} s, not longer than the ${offset} s offset the features skip`;
    }
  } catch (err) {
    file.problem = reasonOf(err, file.absPath);
  } finally {
    src.close();
  }
}

function labelFor(format: DatasetFormat, root: string, absPath: string): ClipMeta {
  const stem = basename(absPath, extname(absPath));
  if (format !== 'folders') {
    const meta = NAME_PARSERS[format](stem);
    if (meta) return meta;
  }
  // Folder-per-label: the nearest enclosing folder (below the root) whose name is a label.
  let dir = dirname(absPath);
  while (dir.length >= root.length && dir !== dirname(dir)) {
    const label = labelFromFolder(basename(dir));
    if (label && dir !== root) {
      // Speakers in folder datasets: a known name convention inside the folder, else none.
      for (const parse of Object.values(NAME_PARSERS)) {
        const m = parse(stem);
        if (m) return { ...m, emotion: label };
      }
      // …or this app's own take names (timestamp_speaker).
      const take = parseTakeStem(stem);
      return take?.speaker ? { emotion: label, speaker: take.speaker } : { emotion: label };
    }
    if (dir === root) break;
    dir = dirname(dir);
  }
  return {};
}

export async function scanDataset(rootIn: string, opts: ScanOptions = {}): Promise<ScanResult> {
  const root = resolve(rootIn);
  let st;
  try {
    st = await stat(root);
  } catch {
    if (rootIn.includes('\uFFFD')) throw new SerError('not-found', `${rootIn}: cannot open: the folder name is not valid UTF-8 (shown with � for the bad bytes); rename it`);
    throw new SerError('not-found', `${rootIn}: no such folder; give the folder that holds the audio files (e.g. the RAVDESS Actor_XX folders)`);
  }
  if (!st.isDirectory()) throw new SerError('bad-input', `${rootIn}: not a folder; give the folder that holds the audio files`);
  const found: Found[] = [];
  try {
    await walk(Buffer.from(root), found);
  } catch (err) {
    throw new SerError('unreadable', `${rootIn}: cannot list the folder (${(err as Error).message})`);
  }
  const paths = found.map((f) => f.absPath);
  if (paths.length === 0) {
    throw new SerError('not-found', `${rootIn}: no audio files found (looked for ${[...AUDIO_EXTENSIONS].join(', ')} in all sub-folders)`);
  }
  const format = detectFormat(paths.map((p) => basename(p, extname(p))));
  const offset = opts.offset ?? 0.5;
  const files: DatasetFile[] = found.map(({ absPath, badName }) => ({
    path: relative(root, absPath).split(sep).join('/'),
    absPath,
    size: 0,
    ...labelFor(format, root, absPath),
    ...(badName ? { problem: 'the file name (or a folder above it) is not valid UTF-8, so it cannot be opened by name (shown with � for the bad bytes); rename it' } : {}),
  }));
  const timeLimitMs = opts.fileTimeLimitMs ?? FILE_TIME_LIMIT_MS;

  const concurrency = Math.max(1, opts.concurrency ?? 8);
  const statCache = loadStatCache(opts.statCacheFile, offset);
  const newCache: StatCache = { version: STAT_CACHE_VERSION, offset, files: {} };
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, files.length) }, async () => {
      while (next < files.length) {
        const f = files[next++]!;
        let st: { size: number; mtimeMs: number } | undefined;
        try {
          st = f.problem ? undefined : await stat(f.absPath);
        } catch {
          st = undefined;
        }
        const hit = st ? statCache.files[f.path] : undefined;
        if (st && hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs && hit.contentHash) {
          f.size = hit.size;
          f.contentHash = hit.contentHash;
          if (hit.sampleRate !== undefined) f.sampleRate = hit.sampleRate;
          if (hit.channels !== undefined) f.channels = hit.channels;
          if (hit.durationSec !== undefined) f.durationSec = hit.durationSec;
          if (hit.problem !== undefined) f.problem = hit.problem;
        } else if (!f.problem) {
          await inspect(f, offset, timeLimitMs);
        }
        if (st && f.contentHash) {
          newCache.files[f.path] = {
            size: st.size,
            mtimeMs: st.mtimeMs,
            contentHash: f.contentHash,
            ...(f.sampleRate !== undefined ? { sampleRate: f.sampleRate } : {}),
            ...(f.channels !== undefined ? { channels: f.channels } : {}),
            ...(f.durationSec !== undefined ? { durationSec: f.durationSec } : {}),
            ...(f.problem !== undefined ? { problem: f.problem } : {}),
          };
        }
        if (!f.problem && !f.emotion) f.problem = `cannot tell the emotion: the name does not follow the ${format === 'folders' ? 'RAVDESS, CREMA-D, TESS or SAVEE conventions' : format + ' convention'} and no enclosing folder is named after an emotion`;
        if (!f.problem && f.vocalChannel === 'song' && !opts.includeSong) f.excluded = true;
        opts.onProgress?.(++done, files.length, f.path);
      }
    }),
  );
  saveStatCache(opts.statCacheFile, newCache);
  return { summary: summarize(root, format, files), files };
}

/** Where the CLI and services keep a dataset's stat cache. */
export function statCachePath(dataDir: string, root: string): string {
  return join(dataDir, 'scans', `${createHash('sha256').update(resolve(root)).digest('hex').slice(0, 16)}.json`);
}

export function summarize(root: string, format: DatasetFormat, files: DatasetFile[]): ScanSummary {
  const byEmotion = Object.fromEntries(EMOTIONS.map((e) => [e, 0])) as Record<Emotion, number>;
  const bySpeaker: Record<string, number> = {};
  const byVocalChannel = { speech: 0, song: 0 };
  const problems: Array<{ file: string; reason: string }> = [];
  let usable = 0;
  for (const f of files) {
    if (f.vocalChannel) byVocalChannel[f.vocalChannel]++;
    if (f.problem) {
      problems.push({ file: f.path, reason: f.problem });
      continue;
    }
    if (f.excluded) continue;
    usable++;
    byEmotion[f.emotion!]++;
    const spk = f.speaker ?? 'unknown';
    bySpeaker[spk] = (bySpeaker[spk] ?? 0) + 1;
  }
  const sortedSpeakers = Object.fromEntries(Object.entries(bySpeaker).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { root, format, files: files.length, usable, byEmotion, bySpeaker: sortedSpeakers, byVocalChannel, problems, fingerprint: fingerprint(files) };
}

/** Changes when any file is added, removed, renamed or altered (content hash). */
export function fingerprint(files: DatasetFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(`${f.path}\t${f.contentHash ?? 'unreadable'}\t${f.size}\n`);
  }
  return h.digest('hex');
}

/** The files a run may use (labelled, no problem, not excluded). */
export function usableFiles(files: DatasetFile[]): DatasetFile[] {
  return files.filter((f) => !f.problem && !f.excluded && f.emotion);
}
