/**
 * Checkpoints: everything needed to continue a run exactly where it stopped — model weights (tfjs folder
 * format), optimizer slots, the RNG states (data order and dropout), schedule / early-stopping state and the
 * next epoch. Written to a temporary folder and swapped in, so a crash mid-write leaves the previous one intact.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { saveModel, loadModel } from '../model/index.js';
import type { RngState } from '../audio/rng.js';
import type { PlateauState } from './schedule.js';

export interface TrainState {
  /** First epoch still to run (0-based). */
  nextEpoch: number;
  dataRng: RngState;
  mathRng: RngState;
  plateau: PlateauState | null;
  bestMetric: number | null;
  bestEpoch: number | null;
  epochsWithoutImprovement: number;
  elapsedMs: number;
}

interface TensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
  length: number;
}

/**
 * tfjs' Adam keeps β₁ᵗ and β₂ᵗ as running products, but its setWeights recomputes them as pow(β, t + 1), which
 * differs in the last bits after a few steps (β₂ = 0.999 from t = 2): a resumed run then drifts from an
 * uninterrupted one. The running values are saved with the slots and put back after them.
 */
export interface AdamPowers {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

/** Adam's running β₁ᵗ, β₂ᵗ (tfjs keeps them private), or undefined for another optimizer. */
export function adamPowers(optimizer: tf.Optimizer): AdamPowers | undefined {
  const o = optimizer as unknown as Partial<AdamPowers>;
  return optimizer instanceof tf.AdamOptimizer && o.accBeta1 instanceof tf.Variable && o.accBeta2 instanceof tf.Variable ? (o as AdamPowers) : undefined;
}

async function saveOptimizer(optimizer: tf.Optimizer, dir: string): Promise<void> {
  const weights = await optimizer.getWeights();
  const entries: TensorEntry[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const w of weights) {
    const data = Float32Array.from(await w.tensor.data());
    entries.push({ name: w.name, shape: w.tensor.shape, dtype: w.tensor.dtype === 'int32' ? 'int32' : 'float32', offset, length: data.length });
    chunks.push(data);
    offset += data.length;
    // The iteration counter is a fresh scalar; the slots are the optimizer's own variables (kept).
    if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose();
  }
  const all = new Float32Array(offset);
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  writeFileSync(join(dir, 'optimizer.bin'), new Uint8Array(all.buffer));
  const powers = adamPowers(optimizer);
  const accBeta = powers ? [(await powers.accBeta1.data())[0]!, (await powers.accBeta2.data())[0]!] : undefined;
  writeFileSync(join(dir, 'optimizer.json'), JSON.stringify({ className: optimizer.getClassName(), entries, accBeta }));
}

async function loadOptimizer(optimizer: tf.Optimizer, dir: string): Promise<void> {
  const manifest = JSON.parse(readFileSync(join(dir, 'optimizer.json'), 'utf8')) as { className: string; entries: TensorEntry[]; accBeta?: [number, number] };
  if (manifest.className !== optimizer.getClassName()) throw new Error(`checkpoint optimizer is ${manifest.className}, the run uses ${optimizer.getClassName()}`);
  const bin = readFileSync(join(dir, 'optimizer.bin'));
  const all = new Float32Array(bin.length / 4);
  new Uint8Array(all.buffer).set(bin);
  const named = manifest.entries.map((e) => ({
    name: e.name,
    tensor: tf.tensor(e.dtype === 'int32' ? Int32Array.from(all.subarray(e.offset, e.offset + e.length)) : all.slice(e.offset, e.offset + e.length), e.shape, e.dtype),
  }));
  await optimizer.setWeights(named);
  for (const n of named) n.tensor.dispose();
  const powers = adamPowers(optimizer);
  // Checkpoints written before the powers were saved keep tfjs' recomputed ones.
  const accBeta = manifest.accBeta;
  if (powers && accBeta) {
    tf.tidy(() => {
      powers.accBeta1.assign(tf.scalar(accBeta[0]));
      powers.accBeta2.assign(tf.scalar(accBeta[1]));
    });
  }
}

/** Saves model + optimizer + state as `dir` (atomically replacing an older checkpoint). */
export async function saveCheckpoint(dir: string, model: LayersModel, optimizer: tf.Optimizer | undefined, state: TrainState | undefined): Promise<void> {
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await saveModel(model, tmp);
  if (optimizer) await saveOptimizer(optimizer, tmp);
  if (state) writeFileSync(join(tmp, 'state.json'), JSON.stringify(state));
  const old = `${dir}.old`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
}

/** Copies saved weights into `model` (same architecture). */
export async function loadWeightsInto(model: LayersModel, dir: string): Promise<void> {
  const { model: saved } = await loadModel(dir);
  model.setWeights(saved.getWeights());
  saved.dispose();
}

export async function loadCheckpoint(dir: string, model: LayersModel, optimizer: tf.Optimizer): Promise<TrainState> {
  // A crash between the two renames leaves the newest complete checkpoint as `.old`.
  const where = existsSync(join(dir, 'state.json')) ? dir : existsSync(join(`${dir}.old`, 'state.json')) ? `${dir}.old` : undefined;
  if (!where) throw new Error(`no checkpoint in ${dir}`);
  await loadWeightsInto(model, where);
  await loadOptimizer(optimizer, where);
  return JSON.parse(readFileSync(join(where, 'state.json'), 'utf8')) as TrainState;
}

/** The first epoch a checkpoint in `dir` would continue at, without loading it; null when there is none. */
export function checkpointNextEpoch(dir: string): number | null {
  const where = existsSync(join(dir, 'state.json')) ? dir : existsSync(join(`${dir}.old`, 'state.json')) ? `${dir}.old` : undefined;
  if (!where) return null;
  try {
    const { nextEpoch } = JSON.parse(readFileSync(join(where, 'state.json'), 'utf8')) as Partial<TrainState>;
    return typeof nextEpoch === 'number' ? nextEpoch : null;
  } catch {
    return null;
  }
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, 'state.json')) || existsSync(join(`${dir}.old`, 'state.json'));
}
