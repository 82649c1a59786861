/**
 * Exported models: a folder with model.json + weights.bin (tfjs layers format, loadable on any backend) and
 * metadata.json (labels, feature config, scaler statistics, run id, app version). Classification runs the
 * exact feature pipeline recorded in the metadata; a model whose features the app cannot reproduce is refused.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { truncatedReason } from '../audio/decode.js';
import { FeatureExtractor, featureConfigHash, type FeatureConfig } from '../audio/features.js';
import { MEL_NORMS } from '../../shared/melNorms.js';
import { StandardScaler, type ScalerJson } from '../audio/scaler.js';
import { SerError } from '../../shared/errors.js';
import { EMOTIONS, type Emotion } from '../../shared/labels.js';
import { loadModel, predict } from '../model/index.js';
import { openStore } from '../store/index.js';
import { BUILTIN_REF, requireBuiltInModel, type ModelCard } from './builtinModel.js';
import { ensembleRefId, requireEnsembleFolder } from './ensembleRecords.js';
import { addLogProbs, checkWindowOffsets, meanLogProbSoftmax, windowCounts, windowOffsetsOf } from './windowOffsets.js';

export type { ModelCard };

export interface ModelMetadata {
  kind: 'vox-affect-model';
  labels: Emotion[];
  featureConfig: FeatureConfig;
  scaler: ScalerJson;
  runId: number | null;
  appVersion: string;
  backend?: string;
  /** The built-in model's card (what it was trained on, how well it hears new speakers); absent on run exports. */
  card?: ModelCard;
  /** Files are classified over 3 s windows starting at these offsets, s (windowOffsets.ts); absent: featureConfig.offset alone. */
  windowOffsets?: number[];
  [extra: string]: unknown;
}

export interface ExportedModel {
  dir: string;
  model: LayersModel;
  metadata: ModelMetadata;
  scaler: StandardScaler;
  extractor: FeatureExtractor;
  dispose(): void;
}

export interface Classification {
  file: string;
  top: Emotion;
  confidence: number;
  probs: Record<Emotion, number>;
  /** Set when the file is damaged but could still be classified (it holds less audio than its header declares). */
  warning?: string;
}

/**
 * Resolves `--model <dir|run id|ensemble:id|built-in>`: a folder, the export recorded for a run in the store, the
 * folder of an ensemble recorded there, or the built-in model — also when `ref` is undefined (no --model), so
 * classify and live work right after install.
 */
export function resolveModelDir(ref: string | undefined, dbPath: string): string {
  if (ref === undefined || ref === BUILTIN_REF) return requireBuiltInModel();
  const ensembleId = ensembleRefId(ref);
  if (ensembleId !== undefined) {
    const store = openStore(dbPath, { mustExist: true });
    try {
      return requireEnsembleFolder(store, ensembleId).dir;
    } finally {
      store.close();
    }
  }
  if (/^\d+$/.test(ref) && !existsSync(ref)) {
    const store = openStore(dbPath, { mustExist: true });
    try {
      const runId = Number(ref);
      store.runs.require(runId);
      const exp = store.models.listForRun(runId, 'export').at(-1);
      if (!exp) throw new SerError('not-found', `run ${runId} has no exported model yet (it has not finished); wait for it or resume it`);
      return exp.path;
    } finally {
      store.close();
    }
  }
  if (!existsSync(join(ref, 'model.json'))) throw new SerError('not-found', `${ref}: not a model folder (no model.json); give a folder exported by a run, a run id, ensemble:<id>, or ${BUILTIN_REF}`);
  return ref;
}

export async function loadExportedModel(dir: string): Promise<ExportedModel> {
  let metadata: ModelMetadata;
  try {
    metadata = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) as ModelMetadata;
  } catch (err) {
    throw new SerError('corrupt', `${dir}: cannot read metadata.json (${(err as Error).message}); the model folder is incomplete`);
  }
  if (metadata.kind !== 'vox-affect-model' || !metadata.scaler || !metadata.featureConfig) {
    throw new SerError('corrupt', `${dir}: metadata.json is not a Vox Affect model's (missing scaler or feature config)`);
  }
  if (metadata.labels.join() !== EMOTIONS.join()) throw new SerError('unsupported', `${dir}: model labels (${metadata.labels.join(', ')}) differ from the app's`);
  const norm: unknown = metadata.featureConfig.melNorm;
  if (norm !== undefined && !(MEL_NORMS as readonly unknown[]).includes(norm)) {
    // A model from a newer app: classifying without its normalisation would give confident nonsense.
    throw new SerError('unsupported', `${dir}: the model's features use a mel normalisation this app does not know (${JSON.stringify(norm)}; known: ${MEL_NORMS.join(', ')})`);
  }
  if (metadata.windowOffsets !== undefined) {
    try {
      metadata.windowOffsets = checkWindowOffsets(metadata.windowOffsets, `${join(dir, 'metadata.json')}: windowOffsets`);
    } catch (err) {
      throw new SerError('corrupt', (err as Error).message);
    }
  }
  const { model } = await loadModel(dir);
  const extractor = new FeatureExtractor(metadata.featureConfig);
  const scaler = StandardScaler.fromJSON(metadata.scaler);
  if (scaler.nFeatures !== extractor.chunkSize) {
    throw new SerError('corrupt', `${dir}: scaler has ${scaler.nFeatures} features but the feature config makes ${extractor.chunkSize} (config ${featureConfigHash(metadata.featureConfig)})`);
  }
  return { dir, model, metadata, scaler, extractor, dispose: () => model.dispose() };
}

/** Scaled model input [1, chunks, mel, frames, 1] from a mel dB matrix. */
export function inputFromMel(m: ExportedModel, melDb: Float32Array, nFrames: number): tf.Tensor {
  const { chunks, mel } = m.metadata.featureConfig;
  const x = m.extractor.chunksOf(melDb, nFrames);
  m.scaler.transform(x, x);
  return tf.tensor(x, [1, chunks.count, mel.nMels, chunks.width, 1]);
}

export function probsToRecord(p: ArrayLike<number>): Record<Emotion, number> {
  return Object.fromEntries(EMOTIONS.map((e, i) => [e, p[i]!])) as Record<Emotion, number>;
}

export interface ClassifyOptions {
  /** Windows to classify each file over (seconds into it); default: the model's (windowOffsetsOf). */
  windowOffsets?: number[];
}

/**
 * Classifies each file: one forward pass per window offset, combined as the softmax of the mean log-probability.
 * Windows that start at or past a file's end are left out (a short file is still classified on its first window).
 */
export async function classifyFiles(m: ExportedModel, files: string[], onResult?: (r: Classification) => void, opts: ClassifyOptions = {}): Promise<Classification[]> {
  const offsets = opts.windowOffsets ?? windowOffsetsOf(m.metadata);
  const { chunks, mel } = m.metadata.featureConfig;
  const size = m.extractor.chunkSize;
  const out: Classification[] = [];
  for (const file of files) {
    // Every window's input in one batch: one forward pass per file, whatever the number of windows.
    const x = new Float32Array(offsets.length * size);
    let windows = 0;
    let warning: string | undefined;
    for (const [k, offset] of offsets.entries()) {
      const f = await m.extractor.fromFile(file, { offset });
      if (f.clip.truncated) warning ??= `${truncatedReason(f.clip.fileSeconds)}; classified what it holds`;
      if (!windowCounts(k, f.clip.validSamples === 0)) continue;
      const w = x.subarray(windows * size, (windows + 1) * size);
      m.extractor.chunksOf(f.melDb, f.nFrames, w);
      m.scaler.transform(w, w);
      windows++;
    }
    const xs = tf.tensor(x.subarray(0, windows * size), [windows, chunks.count, mel.nMels, chunks.width, 1]);
    const p = predict(m.model, xs);
    const perWindow = p.dataSync();
    xs.dispose();
    p.dispose();
    const sum = new Float64Array(EMOTIONS.length);
    for (let w = 0; w < windows; w++) addLogProbs(sum, perWindow.subarray(w * EMOTIONS.length, (w + 1) * EMOTIONS.length));
    const probs = meanLogProbSoftmax(sum, windows, EMOTIONS.length);
    let best = 0;
    for (let i = 1; i < probs.length; i++) if (probs[i]! > probs[best]!) best = i;
    const r: Classification = { file, top: EMOTIONS[best]!, confidence: probs[best]!, probs: probsToRecord(probs), ...(warning ? { warning } : {}) };
    onResult?.(r);
    out.push(r);
  }
  return out;
}
