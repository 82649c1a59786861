/**
 * Datasets: scan a folder (progress pushed as `scan` events), list the scanned ones, browse files by emotion and
 * speaker, and resolve a file id to its path for the audio endpoint. Paths never come from the client: a file is
 * named by (dataset id, file id) and its path is read from the store and checked to lie inside the dataset root.
 */
import { existsSync } from 'node:fs';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { EMOTIONS, type Emotion } from '../shared/labels.js';
import { SerError } from '../shared/errors.js';
import { saveScan } from '../engine/dataset/saveScan.js';
import { statCachePath, type ScanResult } from '../engine/dataset/scan.js';
import { OneShotWorkers } from '../engine/workers/oneShot.js';
import type { ScanProgress, ScanWorkerInput } from './scanWorker.js';
import { FeatureExtractor } from '../engine/audio/features.js';
import { loadClip } from '../engine/audio/load.js';
import { MAX_WINDOW_SECONDS } from '../engine/audio/limits.js';
import type { ClipView, DatasetOverview, ScanResultDto } from '../contract/types.js';
import type { DatasetFileRecord, DatasetRecord } from '../engine/store/types.js';
import type { ServiceContext } from './context.js';

const AUDIO_MIME: Record<string, string> = {
  '.wav': 'audio/wav',
  '.wave': 'audio/wav',
  '.flac': 'audio/flac',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.oga': 'audio/ogg',
};

const ENVELOPE_COLUMNS = 600;

export class DatasetsService {
  #extractor: FeatureExtractor | undefined;
  readonly #scans = new OneShotWorkers(import.meta.url);
  constructor(private readonly ctx: ServiceContext) {}

  async scan(root: string, includeSong = false): Promise<ScanResultDto> {
    const t0 = Date.now();
    const abs = resolve(root);
    // On a worker thread (see scanWorker.ts), its progress relayed as `scan` events.
    const result = await this.#scans.run<ScanResult, ScanProgress>('scanWorker', {
      what: `scanning ${abs}`,
      workerData: { root: abs, includeSong, statCacheFile: statCachePath(this.ctx.dataDir, abs) } satisfies ScanWorkerInput,
      onProgress: (p) => this.ctx.bus.emit('scan', { root: abs, ...p }),
    });
    const record = saveScan(this.ctx.store, result);
    return { ...this.overview(record.id), durationMs: Date.now() - t0 };
  }

  /** Stops scans still running (the app is closing). */
  close(): Promise<void> {
    return this.#scans.close();
  }

  list(): DatasetRecord[] {
    return this.ctx.store.datasets.list();
  }

  overview(id: number): DatasetOverview {
    const dataset = this.ctx.store.datasets.require(id);
    const files = this.ctx.store.datasets.files(id);
    const byEmotion = Object.fromEntries(EMOTIONS.map((e) => [e, 0])) as Record<Emotion, number>;
    const bySpeaker: Record<string, number> = {};
    const problems: DatasetOverview['problems'] = [];
    let usable = 0;
    for (const f of files) {
      if (f.problem) {
        problems.push({ fileId: f.id, file: f.path, reason: f.problem });
        continue;
      }
      if (f.label === null) continue;
      usable++;
      byEmotion[EMOTIONS[f.label]!]++;
      const sp = f.speaker ?? 'unknown';
      bySpeaker[sp] = (bySpeaker[sp] ?? 0) + 1;
    }
    return { dataset, usable, byEmotion, bySpeaker, problems };
  }

  files(id: number, filter: { label?: number; speaker?: string; usableOnly?: boolean }): DatasetFileRecord[] {
    this.ctx.store.datasets.require(id);
    let files = this.ctx.store.datasets.files(id, { ...(filter.label === undefined ? {} : { label: filter.label }), usableOnly: filter.usableOnly ?? false });
    if (filter.speaker !== undefined) files = files.filter((f) => (f.speaker ?? 'unknown') === filter.speaker);
    return files;
  }

  /** The file's absolute path, after checking it belongs to the dataset and stays inside its root. */
  resolveFile(datasetId: number, fileId: number): { path: string; mime: string; file: DatasetFileRecord } {
    const dataset = this.ctx.store.datasets.get(datasetId);
    if (!dataset) throw new SerError('not-found', `no dataset with id ${datasetId}`);
    const file = this.ctx.store.datasets.files(datasetId).find((f) => f.id === fileId);
    if (!file) throw new SerError('not-found', `dataset ${datasetId} has no file with id ${fileId}`);
    const root = resolve(dataset.root);
    const abs = isAbsolute(file.path) ? resolve(file.path) : resolve(root, file.path);
    const rel = relative(root, abs);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) {
      throw new SerError('bad-input', `file ${fileId} lies outside its dataset folder`);
    }
    if (!existsSync(abs)) throw new SerError('not-found', `${abs}: the file is gone; rescan the dataset`);
    return { path: abs, mime: AUDIO_MIME[extname(abs).toLowerCase()] ?? 'application/octet-stream', file };
  }

  /** Waveform envelope of the whole file and the mel spectrogram of the 3 s window the model sees. */
  async clipView(datasetId: number, fileId: number): Promise<ClipView> {
    const { path, file } = this.resolveFile(datasetId, fileId);
    this.#extractor ??= new FeatureExtractor();
    const fx = this.#extractor;
    // The envelope covers the first MAX_WINDOW_SECONDS at most: a recording hours long is not held in memory.
    const whole = await loadClip(path, { sampleRate: fx.config.mel.sampleRate, offset: 0, duration: MAX_WINDOW_SECONDS, pad: false });
    const waveMin: number[] = [];
    const waveMax: number[] = [];
    const s = whole.samples;
    const per = Math.max(1, Math.ceil(s.length / ENVELOPE_COLUMNS));
    for (let i = 0; i < s.length; i += per) {
      let lo = 0;
      let hi = 0;
      for (let j = i; j < Math.min(s.length, i + per); j++) {
        const v = s[j]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      waveMin.push(Math.round(lo * 1e4) / 1e4);
      waveMax.push(Math.round(hi * 1e4) / 1e4);
    }
    const feats = await fx.fromFile(path);
    const q = new Uint8Array(feats.melDb.length);
    for (let i = 0; i < q.length; i++) q[i] = Math.max(0, Math.min(255, Math.round(((feats.melDb[i]! + 80) / 80) * 255)));
    return {
      fileId,
      path: file.path,
      label: file.label === null ? null : EMOTIONS[file.label]!,
      speaker: file.speaker,
      sampleRate: whole.sampleRate,
      durationSec: whole.fileSeconds,
      waveMin,
      waveMax,
      mel: { bands: feats.nMels, frames: feats.nFrames, base64: Buffer.from(q.buffer, q.byteOffset, q.byteLength).toString('base64') },
    };
  }
}
