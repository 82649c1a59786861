/**
 * `ser ensemble`: exported models combined into one exported model. Averaging the log-probabilities of models
 * trained with different seeds beat each member on every fold of a 5-fold cross-validation (docs/results.md), and
 * as one ordinary export folder (model.json + weights.bin + metadata.json) the ensemble goes wherever a model goes:
 * `ser classify`, `ser eval --model`, `ser live`, `ser tune`. Its input is scaled with member 1's scaler; every
 * other member gets a fixed per-feature affine map to its own scaling (model/ensembleModel.ts builds the graph).
 * The folder is written beside its destination and renamed into place: never half a model.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { StandardScaler } from '../audio/scaler.js';
import type { FeatureConfig } from '../audio/features.js';
import { SerError } from '../../shared/errors.js';
import { buildEnsembleModel, countParams, resolveModelConfig, saveModel, type EnsembleMemberModel, type ModelConfig } from '../model/index.js';
import { appVersion } from '../version.js';
import { loadExportedModel, type ExportedModel, type ModelMetadata } from './exported.js';
import { checkWindowOffsets } from './windowOffsets.js';

export interface EnsembleOptions {
  /** Exported model folders (resolveModelDir turns a run id or `built-in` into one), at least 2, each once. */
  members: string[];
  /** The new model folder: must not exist, or be empty. */
  out: string;
  /** Recorded as the ensemble's `windowOffsets` (windowOffsets.ts); none: one window, as the members. */
  windowOffsets?: number[];
}

/** What metadata.json's `ensemble.members` records of each member (and `ser ensemble --json` prints). */
export interface EnsembleMemberInfo {
  dir: string;
  runId: number | null;
  seed: number | null;
  /** Whether its input is mapped from member 1's scaling (false when its scaler is member 1's). */
  rescaled: boolean;
  modelConfig: Partial<ModelConfig>;
  /** The member's own test figures, on its own test set, when its export has them. */
  test?: unknown;
  /** The training recipe, when the export records it (the built-in model's `release.recipe`). */
  recipe?: unknown;
  datasetFingerprint?: unknown;
}

export interface EnsembleResult {
  out: string;
  members: EnsembleMemberInfo[];
  /** Trainable parameters of the whole ensemble (the members' sum). */
  params: number;
  durationMs: number;
  windowOffsets?: number[];
}

/** metadata.json's `ensemble` field. */
export interface EnsembleMetadata {
  combine: 'softmax-mean-log-prob';
  members: EnsembleMemberInfo[];
}

export async function makeEnsemble(opts: EnsembleOptions): Promise<EnsembleResult> {
  const t0 = performance.now();
  const dirs = opts.members.map((d) => resolve(d));
  if (dirs.length < 2) throw new SerError('bad-input', `an ensemble needs at least 2 models, got ${dirs.length}`);
  const twice = dirs.find((d, i) => dirs.indexOf(d) !== i);
  if (twice) throw new SerError('bad-input', `${twice} is given twice; an ensemble of a model with itself is that model`);
  const out = resolve(opts.out);
  checkOut(out);
  const windowOffsets = opts.windowOffsets && checkWindowOffsets(opts.windowOffsets, 'windowOffsets');

  const loaded: ExportedModel[] = [];
  try {
    for (const dir of dirs) loaded.push(await loadExportedModel(dir));
    const first = loaded[0]!;
    const firstScaler = first.scaler;
    const members: EnsembleMemberModel[] = [];
    const infos: EnsembleMemberInfo[] = [];
    for (const m of loaded) {
      const meta = m.metadata;
      if (m !== first) {
        const diff = firstDifference(first.metadata.featureConfig, meta.featureConfig);
        if (diff) throw new SerError('unsupported', `${m.dir}: its features differ from ${first.dir}'s (${diff}); members must read the same features`);
        if (meta.labels.join() !== first.metadata.labels.join()) throw new SerError('unsupported', `${m.dir}: its labels (${meta.labels.join(', ')}) differ from ${first.dir}'s`);
      }
      const config = memberConfig(m.dir, meta);
      const affine = m === first ? undefined : affineBetween(firstScaler, m.scaler);
      members.push({ model: m.model, config, label: m.dir, ...(affine ? { affine } : {}) });
      const recipe = (meta['release'] as { recipe?: unknown } | undefined)?.recipe;
      infos.push({
        dir: m.dir,
        runId: meta.runId ?? null,
        seed: config.seed ?? null,
        rescaled: affine !== undefined,
        modelConfig: meta['modelConfig'] as Partial<ModelConfig>,
        ...(meta['test'] !== undefined ? { test: meta['test'] } : {}),
        ...(recipe !== undefined ? { recipe } : {}),
        ...(meta['datasetFingerprint'] !== undefined ? { datasetFingerprint: meta['datasetFingerprint'] } : {}),
      });
    }

    const ensemble = buildEnsembleModel(members);
    try {
      const metadata: ModelMetadata & { ensemble: EnsembleMetadata } = {
        kind: 'vox-affect-model',
        labels: first.metadata.labels,
        featureConfig: first.metadata.featureConfig,
        scaler: first.metadata.scaler,
        runId: null,
        appVersion,
        backend: tf.getBackend(),
        createdAt: new Date().toISOString(),
        ensemble: { combine: 'softmax-mean-log-prob', members: infos },
        ...(windowOffsets ? { windowOffsets } : {}),
      };
      await writeAtomically(out, async (tmp) => {
        await saveModel(ensemble, tmp);
        writeFileSync(join(tmp, 'metadata.json'), JSON.stringify(metadata, null, 1));
      });
      return { out, members: infos, params: countParams(ensemble), durationMs: performance.now() - t0, ...(windowOffsets ? { windowOffsets } : {}) };
    } finally {
      ensemble.dispose();
    }
  } finally {
    for (const m of loaded) m.dispose();
  }
}

/** --out must be new, or an empty folder. */
function checkOut(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new SerError('bad-input', `${out} exists and is not a folder; give a new folder for the ensemble`);
  if (readdirSync(out).length) throw new SerError('bad-input', `${out} exists and is not empty; give a new folder for the ensemble`);
}

/** The network a member was built from: its export's `modelConfig`, checked against its feature config. */
function memberConfig(dir: string, meta: ModelMetadata): ModelConfig {
  const recorded = meta['modelConfig'];
  if (recorded === undefined || recorded === null || typeof recorded !== 'object') {
    const inner = meta['ensemble'] as { members?: unknown[] } | undefined;
    if (inner) throw new SerError('unsupported', `${dir} is itself an ensemble (${inner.members?.length ?? '?'} members); give its members instead`);
    throw new SerError('unsupported', `${dir}: metadata.json records no modelConfig, so its network cannot be rebuilt inside an ensemble`);
  }
  let cfg: ModelConfig;
  try {
    cfg = resolveModelConfig(recorded as Partial<ModelConfig>);
  } catch (err) {
    throw new SerError('corrupt', `${dir}: metadata.json's modelConfig is invalid (${(err as Error).message})`);
  }
  const { chunks, mel } = meta.featureConfig;
  if (cfg.chunks !== chunks.count || cfg.melBands !== mel.nMels || cfg.frames !== chunks.width) {
    throw new SerError('corrupt', `${dir}: its modelConfig's input [${cfg.chunks}, ${cfg.melBands}, ${cfg.frames}] is not what its feature config makes [${chunks.count}, ${mel.nMels}, ${chunks.width}]`);
  }
  if (cfg.classes !== meta.labels.length) throw new SerError('corrupt', `${dir}: its modelConfig has ${cfg.classes} classes for ${meta.labels.length} labels`);
  return cfg;
}

/**
 * From the ensemble's scaled input x = (raw − μ₁)/σ₁ to member i's (raw − μᵢ)/σᵢ: x·σ₁/σᵢ + (μ₁ − μᵢ)/σᵢ, per
 * feature, computed in float64. Undefined when the scalers are the same (the identity: no layer at all).
 */
function affineBetween(base: StandardScaler, own: StandardScaler): { scale: Float32Array; offset: Float32Array } | undefined {
  const [m1, s1, mi, si] = [base.mean, base.scale, own.mean, own.scale];
  let same = true;
  for (let j = 0; j < m1.length && same; j++) same = m1[j] === mi[j] && s1[j] === si[j];
  if (same) return undefined;
  const scale = new Float32Array(m1.length);
  const offset = new Float32Array(m1.length);
  for (let j = 0; j < m1.length; j++) {
    scale[j] = s1[j]! / si[j]!;
    offset[j] = (m1[j]! - mi[j]!) / si[j]!;
  }
  return { scale, offset };
}

/** The first field where two feature configs differ, as `mel.nMels 128 ≠ 64`; undefined when they are equal. */
function firstDifference(a: FeatureConfig, b: FeatureConfig): string | undefined {
  const walk = (x: unknown, y: unknown, path: string): string | undefined => {
    if (x !== null && y !== null && typeof x === 'object' && typeof y === 'object') {
      for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) {
        const d = walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
        if (d) return d;
      }
      return undefined;
    }
    return x === y ? undefined : `${path} ${JSON.stringify(x)} ≠ ${JSON.stringify(y)}`;
  };
  return walk(a, b, '');
}

/** Writes the folder under a temporary name beside `out`, then renames it into place; nothing is left on failure. */
async function writeAtomically(out: string, write: (tmp: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(out), { recursive: true });
  const tmp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}-${Date.now()}`);
  try {
    await mkdir(tmp);
    await write(tmp);
    checkOut(out); // still free after the (long) build?
    if (existsSync(out)) await rmdir(out); // empty (checked): rename cannot replace a folder on every platform
    await rename(tmp, out);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    if (err instanceof SerError) throw err;
    throw new SerError('io', `cannot write the ensemble to ${out}: ${(err as Error).message}`);
  }
}
