/**
 * Any exported model on any dataset: scans the folder (RAVDESS, CREMA-D, TESS, SAVEE or folder-per-label),
 * computes features through the shared cache (worker threads; a second evaluation reads them back), predicts
 * every usable file and scores it. Classes the data lacks are reported and left out of UAR and macro F1;
 * predicting one still counts as an error. Files that cannot be scored are listed with the reason, never dropped
 * silently. A model with test-time windows (windowOffsets.ts) is scored over each of them, one feature cache per window.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendName } from '../../../native/tf/backends.js';
import { FeatureCache } from '../dataset/featureCache.js';
import type { DatasetFormat } from '../dataset/formats.js';
import { labelMapping, unlabelledReason } from '../dataset/labelMap.js';
import { scanDataset, statCachePath, usableFiles, type DatasetFile } from '../dataset/scan.js';
import { makeSplit, type SplitSpec } from '../dataset/splits.js';
import { SerError } from '../../shared/errors.js';
import { EMOTIONS, type Emotion } from '../../shared/labels.js';
import { predict } from '../model/index.js';
import { loadExportedModel } from './exported.js';
import { computeMetrics } from './metrics.js';
import type { Metrics } from './types.js';
import { addLogProbs, meanLogProbSoftmax, windowCounts, windowOffsetsOf } from './windowOffsets.js';

export interface DatasetEvalOptions {
  /** Exported model folder (model.json + metadata.json); `resolveModelDir` turns a run id into one. */
  modelDir: string;
  /** Dataset folder. */
  data: string;
  /** Data directory: feature cache and scan stat cache. */
  dataDir: string;
  /** Only these speakers (as the file names spell them; `1` also matches `01`). */
  speakers?: readonly string[];
  /** Keep RAVDESS song clips (skipped by default, as training does). */
  includeSong?: boolean;
  /**
   * Only the test part of a run's split, made again from the run's stored split spec over the same files (so
   * models trained apart can be scored on one held-out set, e.g. an ensemble on the paper's random split). The
   * dataset must still be the one the run scanned: `fingerprint` is checked.
   */
  testOf?: TestPartOf;
  backend?: BackendName;
  /** Windows each file is classified over (windowOffsets.ts); default: the model's. */
  windowOffsets?: number[];
  /** Feature-extraction worker threads (default: one per core). */
  workers?: number;
  onProgress?: (p: DatasetEvalProgress) => void;
}

export interface TestPartOf {
  runId: number;
  split: SplitSpec;
  /** The run's dataset fingerprint (null: not recorded, not checked). */
  fingerprint: string | null;
}

export interface DatasetEvalProgress {
  stage: 'scan' | 'features' | 'predict';
  done: number;
  total: number;
}

export interface SkippedFile {
  /** Path relative to the dataset root. */
  file: string;
  reason: string;
}

/** `uar` and `macroF1` are means over `presentClasses`; confusion[true][predicted] in `labels` order. */
export interface DatasetEvaluation extends Pick<Metrics, 'accuracy' | 'uar' | 'macroF1' | 'weightedF1' | 'labels' | 'confusion' | 'perClass'> {
  model: string;
  /** The run that exported the model, if it says. */
  runId: number | null;
  data: string;
  format: DatasetFormat;
  /** Speakers of the evaluated files (empty when the names carry none). */
  speakers: string[];
  /** With `testOf`: whose split's test part this was. */
  testOf?: { runId: number; split: SplitSpec['kind']; seed: number; files: number };
  /** Files evaluated (= sum of the confusion matrix). */
  files: number;
  /** The 3 s windows each file was classified over (seconds into it), combined by mean log-probability. */
  windowOffsets: number[];
  presentClasses: Emotion[];
  /** Emotions with no file in the data: not scored (out of UAR and macro F1); predicting them is an error. */
  absentClasses: Emotion[];
  /** The corpus' label → the app's emotion, for the labels found (e.g. TESS `ps` → surprised). */
  labelMap: Record<string, Emotion>;
  skipped: SkippedFile[];
  /** Feature files found in the cache / computed now. */
  features: { cached: number; computed: number };
  backend: string;
  durationMs: number;
  /** Where the time went (ms): model load, scan, features, predictions. */
  timing: { loadMs: number; scanMs: number; featuresMs: number; predictMs: number };
}

/** `21` matches `21`, `1` matches `01`, `oaf` matches `OAF`. */
function sameSpeaker(asked: string, actual: string): boolean {
  if (asked === actual || asked.toLowerCase() === actual.toLowerCase()) return true;
  return /^\d+$/.test(asked) && /^\d+$/.test(actual) && Number(asked) === Number(actual);
}

/** The usable files of the asked speakers; an asked speaker with no file is an error naming those found. */
function filterSpeakers(files: DatasetFile[], asked: readonly string[], data: string): DatasetFile[] {
  const found = [...new Set(files.map((f) => f.speaker).filter((s): s is string => s !== undefined))].sort();
  const missing = asked.filter((a) => !found.some((s) => sameSpeaker(a, s)));
  if (missing.length) {
    const known = found.length ? `speakers found: ${found.join(', ')}` : 'its file names carry no speaker';
    throw new SerError('bad-input', `${data}: no usable files of speaker${missing.length === 1 ? '' : 's'} ${missing.join(', ')}; ${known}`);
  }
  return files.filter((f) => f.speaker !== undefined && asked.some((a) => sameSpeaker(a, f.speaker!)));
}

/** The files of `of`'s test part: its split made again, exactly as training made it (session.ts prepareData). */
function testPart(files: DatasetFile[], of: TestPartOf, fingerprint: string, data: string): DatasetFile[] {
  if (of.fingerprint !== null && of.fingerprint !== fingerprint) {
    throw new SerError('bad-input', `${data}: not the data run ${of.runId} was trained on (its fingerprint differs): its test part cannot be made again`);
  }
  const split = makeSplit(files.map((f) => ({ label: f.emotion!, ...(f.speaker ? { speaker: f.speaker } : {}) })), of.split);
  if (split.test.length === 0) throw new SerError('bad-input', `run ${of.runId}'s split has no test part${of.split.kind === 'all' ? ' (split all: every clip trained)' : ''}`);
  return split.test.map((i) => files[i]!);
}

function skipReason(format: DatasetFormat, f: DatasetFile): string {
  if (!f.problem) return 'song clip: speech evaluation leaves RAVDESS song out (--include-song keeps it)';
  // A label folder the app has no emotion for reads better than the scanner's generic reason.
  if (format === 'folders' && !f.emotion && f.contentHash && f.problem.startsWith('cannot tell the emotion')) return unlabelledReason(f.path) ?? f.problem;
  return f.problem;
}

const EVAL_BATCH = 16;

export async function evaluateDataset(opts: DatasetEvalOptions): Promise<DatasetEvaluation> {
  const t0 = performance.now();
  // The model first: a bad folder fails in a second, not after a long feature extraction.
  const sel = await selectBackend(opts.backend ? { backend: opts.backend } : {});
  const m = await loadExportedModel(opts.modelDir);
  const t1 = performance.now();
  try {
    const fc = m.metadata.featureConfig;
    const scan = await scanDataset(opts.data, {
      includeSong: Boolean(opts.includeSong),
      offset: fc.offset,
      statCacheFile: statCachePath(opts.dataDir, opts.data),
      onProgress: (done, total) => opts.onProgress?.({ stage: 'scan', done, total }),
    });
    const t2 = performance.now();
    const asked = opts.speakers?.length ? opts.speakers : undefined;
    if (asked && opts.testOf) throw new SerError('bad-input', 'choose speakers or a run\'s test part, not both');
    const usable = asked ? filterSpeakers(usableFiles(scan.files), asked, opts.data) : opts.testOf ? testPart(usableFiles(scan.files), opts.testOf, scan.summary.fingerprint, opts.data) : usableFiles(scan.files);
    // With --speakers, problems of other speakers (or of files naming none) are not this evaluation's business.
    // With a run's test part, the problems of the files outside it are not this evaluation's either.
    const skipped: SkippedFile[] = scan.files
      .filter((f) => !opts.testOf && (f.problem || f.excluded) && (!asked || (f.speaker !== undefined && asked.some((a) => sameSpeaker(a, f.speaker!)))))
      .map((f) => ({ file: f.path, reason: skipReason(scan.summary.format, f) }));
    if (usable.length === 0) {
      const why = skipped.length ? `; ${skipped.length} skipped, e.g. ${skipped[0]!.file}: ${skipped[0]!.reason}` : '';
      throw new SerError('bad-input', `${opts.data}: no usable audio files to evaluate${why}`);
    }

    // One feature cache per window offset (the offset is part of the feature config, so of the cache key).
    const offsets = opts.windowOffsets ?? windowOffsetsOf(m.metadata);
    const caches = offsets.map((offset) => new FeatureCache(opts.dataDir, { ...fc, offset }));
    const failed = new Map<string, string>();
    let cached = 0;
    let computed = 0;
    // A window starting at or past a file's end is left out, as `ser classify` does: not computed, not scored.
    const counts = (k: number, f: DatasetFile) => windowCounts(k, f.durationSec !== undefined && f.durationSec <= offsets[k]!);
    const perWindow = caches.map((_, k) => usable.filter((f) => counts(k, f)));
    const total = perWindow.reduce((n, files) => n + files.length, 0);
    let before = 0;
    for (const [k, cache] of caches.entries()) {
      const ext = await cache.ensure(
        perWindow[k]!.map((f) => ({ absPath: f.absPath, contentHash: f.contentHash! })),
        {
          ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
          onProgress: (p) => opts.onProgress?.({ stage: 'features', done: before + p.done, total }),
        },
      );
      before += perWindow[k]!.length;
      for (const x of ext.failed) if (!failed.has(x.file)) failed.set(x.file, offsets.length > 1 ? `${x.reason} (window at ${offsets[k]} s)` : x.reason);
      cached += ext.cached;
      computed += ext.computed;
    }
    const scored = usable.filter((f) => {
      const reason = failed.get(f.absPath);
      if (reason !== undefined) skipped.push({ file: f.path, reason: `features could not be computed: ${reason}` });
      return reason === undefined;
    });
    if (scored.length === 0) throw new SerError('corrupt', `${opts.data}: features could not be computed for any file (${failed.values().next().value ?? 'unknown reason'})`);

    const t3 = performance.now();
    const { count, width } = fc.chunks;
    const nMels = fc.mel.nMels;
    const nFeatures = count * nMels * width;
    const buf = new Float32Array(EVAL_BATCH * nFeatures);
    const yTrue: number[] = [];
    const yPred: number[] = [];
    const classes = EMOTIONS.length;
    for (let s = 0; s < scored.length; s += EVAL_BATCH) {
      const batch = scored.slice(s, s + EVAL_BATCH);
      const x = buf.subarray(0, batch.length * nFeatures);
      const sum = new Float64Array(batch.length * classes);
      const windows = new Uint8Array(batch.length);
      for (const [k, cache] of caches.entries()) {
        batch.forEach((f, b) => {
          if (!counts(k, f)) return;
          const mel = cache.read(f.contentHash!);
          if (!mel) throw new SerError('corrupt', `${f.absPath}: its cached features vanished during the evaluation (${cache.pathFor(f.contentHash!)})`);
          m.extractor.chunksOf(mel, cache.nFrames, x.subarray(b * nFeatures, (b + 1) * nFeatures));
        });
        m.scaler.transform(x, x);
        const xs = tf.tensor(x, [batch.length, count, nMels, width, 1]);
        const p = predict(m.model, xs);
        const perFile = p.dataSync();
        xs.dispose();
        p.dispose();
        batch.forEach((f, b) => {
          if (!counts(k, f)) return;
          addLogProbs(sum.subarray(b * classes, (b + 1) * classes), perFile.subarray(b * classes, (b + 1) * classes));
          windows[b]!++;
        });
      }
      const probs = meanLogProbSoftmax(sum, windows, classes);
      batch.forEach((f, b) => {
        let best = 0;
        for (let c = 1; c < classes; c++) if (probs[b * classes + c]! > probs[b * classes + best]!) best = c;
        yTrue.push(EMOTIONS.indexOf(f.emotion!));
        yPred.push(best);
      });
      opts.onProgress?.({ stage: 'predict', done: Math.min(s + EVAL_BATCH, scored.length), total: scored.length });
      // Lets progress bars and signals in between batches.
      await new Promise<void>((r) => setImmediate(r));
    }

    const t4 = performance.now();
    const mapping = labelMapping(scan.summary.format, scored);
    const metrics = computeMetrics(yTrue, yPred, EMOTIONS, { averageOver: mapping.present.map((e) => EMOTIONS.indexOf(e)) });
    skipped.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    return {
      model: m.dir,
      runId: typeof m.metadata.runId === 'number' ? m.metadata.runId : null,
      data: scan.summary.root,
      format: scan.summary.format,
      speakers: [...new Set(scored.map((f) => f.speaker).filter((x): x is string => x !== undefined))].sort(),
      ...(opts.testOf ? { testOf: { runId: opts.testOf.runId, split: opts.testOf.split.kind, seed: opts.testOf.split.seed, files: usable.length } } : {}),
      files: scored.length,
      windowOffsets: offsets,
      accuracy: metrics.accuracy,
      uar: metrics.uar,
      macroF1: metrics.macroF1,
      weightedF1: metrics.weightedF1,
      labels: EMOTIONS,
      confusion: metrics.confusion,
      perClass: metrics.perClass,
      presentClasses: mapping.present,
      absentClasses: mapping.absent,
      labelMap: mapping.map,
      skipped: skipped,
      features: { cached, computed },
      backend: sel.name,
      durationMs: Math.round(performance.now() - t0),
      timing: { loadMs: Math.round(t1 - t0), scanMs: Math.round(t2 - t1), featuresMs: Math.round(t3 - t2), predictMs: Math.round(t4 - t3) },
    };
  } finally {
    m.dispose();
  }
}
