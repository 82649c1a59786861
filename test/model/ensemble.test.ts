/**
 * Ensembles of exported models (training/ensemble.ts, model/ensembleModel.ts): three small members with different
 * seeds and weights, saved as exports are (model.json + weights.bin + metadata.json), two of them sharing a scaler.
 * The ensemble must answer softmax(mean log pᵢ) of the members, each run on its own scaled input, on wasm and cpu;
 * save and load like any model; refuse what cannot be combined; and fine-tune with every member's CNN frozen.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { input, layers, model as functionalModel, sequential, type LayersModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { BatchNormRelu, FoldTime, UnfoldTime, VoxConv2D, VoxDropout } from '../../electron/engine/model/layers.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../native/tf/backends.js';
import { PAPER_FEATURES, type FeatureConfig } from '../../electron/engine/audio/features.js';
import { StandardScaler } from '../../electron/engine/audio/scaler.js';
import { buildEnsembleModel, buildModel, loadModel, resolveModelConfig, saveModel, type ModelConfig } from '../../electron/engine/model/index.js';
import { makeEnsemble } from '../../electron/engine/training/ensemble.js';
import { loadExportedModel } from '../../electron/engine/training/exported.js';
import { applyFreeze } from '../../electron/engine/training/freeze.js';
import { createTrainer } from '../../electron/engine/training/trainer.js';
import { EMOTIONS } from '../../electron/shared/labels.js';
import { onBackend } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'ser-ensemble-'));
const FEATURES: FeatureConfig = { ...PAPER_FEATURES, mel: { ...PAPER_FEATURES.mel, nMels: 32 }, chunks: { count: 2, width: 32, stride: 32 } };
const SHAPE = [2, 32, 32, 1];
const N_FEATURES = 2 * 32 * 32;
const small = (seed: number, extra: Partial<ModelConfig> = {}): Partial<ModelConfig> => ({ chunks: 2, melBands: 32, frames: 32, filters: [4, 4, 4, 4], pools: [2, 2, 2, 2], lstmUnits: 8, seed, ...extra });

/** A deterministic generator (the weights and inputs must be the same on every run). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** "Raw" features (dB-like) of `n` clips: what a scaler sees before scaling. */
function rawFeatures(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n * N_FEATURES }, (_, i) => -40 + 15 * Math.sin(i * 0.05) + 10 * (r() - 0.5));
}

function scalerFrom(seed: number): StandardScaler {
  const raw = rawFeatures(6, seed);
  // Each seed's "training set" with its own offset and spread, so that the scalers really differ.
  for (let i = 0; i < raw.length; i++) raw[i] = raw[i]! * (1 + 0.1 * (seed % 3)) + seed;
  return new StandardScaler(N_FEATURES).fit(Array.from({ length: 6 }, (_, k) => raw.subarray(k * N_FEATURES, (k + 1) * N_FEATURES)));
}

/** Trained-looking weights: every weight moved away from its initial value, moving variances positive. */
function perturb(m: LayersModel, seed: number): void {
  const r = rng(seed);
  for (const w of m.weights) {
    const v = w.read().dataSync() as Float32Array;
    const isVar = w.originalName.endsWith('moving_variance');
    const next = Float32Array.from(v, (x) => (isVar ? 0.5 + r() : x + 0.3 * (r() - 0.5)));
    w.write(tf.tensor(next, w.shape as number[]));
  }
}

/** Saves a member as a run's export is laid out; returns its folder. */
async function exportMember(name: string, cfg: Partial<ModelConfig>, scaler: StandardScaler, meta: Record<string, unknown> = {}): Promise<string> {
  const dir = join(tmp, name);
  const m = buildModel(cfg);
  perturb(m, (cfg.seed ?? 0) + 100);
  await saveModel(m, dir);
  m.dispose();
  const metadata = { kind: 'vox-affect-model', labels: EMOTIONS, featureConfig: FEATURES, scaler: scaler.toJSON(), modelConfig: cfg, runId: null, appVersion: 'test', ...meta };
  writeFileSync(join(dir, 'metadata.json'), JSON.stringify(metadata));
  return dir;
}

/** softmax(mean_i log max(p_i, 1e-7)) per row, in float64. */
function byHand(ps: Float32Array[], rows: number, classes: number): Float64Array {
  const out = new Float64Array(rows * classes);
  for (let b = 0; b < rows; b++) {
    const z = Array.from({ length: classes }, (_, c) => ps.reduce((s, p) => s + Math.log(Math.min(1, Math.max(1e-7, p[b * classes + c]!))), 0) / ps.length);
    const mx = Math.max(...z);
    const e = z.map((v) => Math.exp(v - mx));
    const sum = e.reduce((a, v) => a + v, 0);
    e.forEach((v, c) => (out[b * classes + c] = v / sum));
  }
  return out;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

const ROWS = 3;
const raw = rawFeatures(ROWS, 77);
const scalers = [scalerFrom(1), scalerFrom(1), scalerFrom(2)]; // members 1 and 2 share a scaler, member 3 has its own
const dirs: string[] = [];
let ensembleDir = '';

beforeAll(async () => {
  await selectBackend({ backend: 'cpu' }); // registers cpu, then wasm (the default here)
  await selectBackend({ backend: 'wasm' });
  dirs.push(await exportMember('a', small(11), scalers[0]!, { runId: 3, test: { accuracy: 0.5 } }));
  dirs.push(await exportMember('b', small(12, { lstmUnits: 6, lstmPool: 'mean' }), scalers[1]!, { runId: 4 }));
  dirs.push(await exportMember('c', small(13, { bidirectional: true, convDropout: 0 }), scalers[2]!, { release: { recipe: ['--seed', '13'] } }));
  ensembleDir = join(tmp, 'ens');
  await makeEnsemble({ members: dirs, out: ensembleDir });
}, 120_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the ensemble model', () => {
  it('answers softmax(mean log p) of its members, each on its own scaled input, on wasm and cpu', async () => {
    const members = await Promise.all(dirs.map((d) => loadExportedModel(d)));
    const ens = await loadExportedModel(ensembleDir);
    try {
      for (const backend of ['wasm', 'cpu'] as const) {
        const outs = await onBackend(backend, () => {
          const own = members.map((m) => m.model.predict(tf.tensor(m.scaler.transform(raw), [ROWS, ...SHAPE])) as tf.Tensor);
          const together = ens.model.predict(tf.tensor(ens.scaler.transform(raw), [ROWS, ...SHAPE])) as tf.Tensor;
          return [...own, together];
        });
        const ps = outs.slice(0, 3);
        const got = outs[3]!;
        const want = byHand(ps, ROWS, EMOTIONS.length);
        expect(maxDiff(got, want), backend).toBeLessThan(1e-5);
        // Not trivially so: the members disagree, and the ensemble is none of them.
        for (const p of ps) expect(maxDiff(got, p), backend).toBeGreaterThan(1e-3);
      }
    } finally {
      for (const m of [...members, ens]) m.dispose();
    }
  });

  it('is the model built in memory, saved and loaded again (loadExportedModel), with the same outputs', async () => {
    const members = await Promise.all(dirs.map((d) => loadExportedModel(d)));
    const ens = await loadExportedModel(ensembleDir);
    const s1 = members[0]!.scaler;
    const built = buildEnsembleModel(
      members.map((m, k) => {
        const config = resolveModelConfig(m.metadata['modelConfig'] as Partial<ModelConfig>);
        if (k !== 2) return { model: m.model, config, label: m.dir };
        const scale = Float32Array.from(s1.scale, (s, j) => s / m.scaler.scale[j]!);
        const offset = Float32Array.from(s1.mean, (mu, j) => (mu - m.scaler.mean[j]!) / m.scaler.scale[j]!);
        return { model: m.model, config, label: m.dir, affine: { scale, offset } };
      }),
    );
    try {
      const [a, b] = await onBackend('wasm', () => {
        const x = tf.tensor(s1.transform(raw), [ROWS, ...SHAPE]);
        return [built.predict(x) as tf.Tensor, ens.model.predict(x) as tf.Tensor];
      });
      expect(maxDiff(a!, b!)).toBe(0);
      expect(built.layers.map((l) => l.name)).toEqual(ens.model.layers.map((l) => l.name));
    } finally {
      built.dispose();
      for (const m of [...members, ens]) m.dispose();
    }
  });

  it('names every member layer m<i>_…, maps a member input only when its scaler differs, and keeps member 1’s scaler', async () => {
    const { model } = await loadModel(ensembleDir);
    const names = model.layers.map((l) => l.name);
    model.dispose();
    expect(names.filter((n) => !/^m\d_/.test(n))).toEqual(['features', 'ensemble']);
    expect(names).toEqual(expect.arrayContaining(['m1_conv1', 'm2_bn_relu2', 'm1_lstm', 'm2_lstm', 'm3_bilstm', 'm1_emotion', 'm2_emotion', 'm3_emotion']));
    expect(names.filter((n) => n.endsWith('_rescale'))).toEqual(['m3_rescale']); // member 2 shares member 1's scaler
    const meta = JSON.parse(readFileSync(join(ensembleDir, 'metadata.json'), 'utf8')) as Record<string, any>;
    const first = JSON.parse(readFileSync(join(dirs[0]!, 'metadata.json'), 'utf8')) as Record<string, any>;
    expect(meta).toMatchObject({ kind: 'vox-affect-model', labels: EMOTIONS, featureConfig: FEATURES, scaler: first.scaler, runId: null });
    expect(meta.modelConfig).toBeUndefined();
    expect(meta.ensemble.combine).toBe('softmax-mean-log-prob');
    expect(meta.ensemble.members).toMatchObject([
      { dir: dirs[0], runId: 3, seed: 11, rescaled: false, test: { accuracy: 0.5 } },
      { dir: dirs[1], runId: 4, seed: 12, rescaled: false, modelConfig: { lstmUnits: 6 } },
      { dir: dirs[2], runId: null, seed: 13, rescaled: true, recipe: ['--seed', '13'] },
    ]);
    expect(readdirSync(ensembleDir).sort()).toEqual(['metadata.json', 'model.json', 'weights.bin']);
    expect(readdirSync(tmp).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('a model saved before the fused first block', () => {
  it('rebuilds a model saved before the fused first block (conv1 + bn_relu1) beside a copy with another scaler, and answers as its members', async () => {
    // The network as model/build.ts made it before the fused first block: conv1 (VoxConv2D) + bn_relu1 (BatchNormRelu).
    const cfg = resolveModelConfig(small(11));
    const x0 = input({ shape: [cfg.chunks, cfg.melBands, cfg.frames, 1], name: 'features' });
    let h = new FoldTime({ name: 'fold_time' }).apply(x0) as SymbolicTensor;
    cfg.filters.forEach((f, i) => {
      h = new VoxConv2D({ filters: f, kernelSize: 3, padding: 'same', biasBeforeBatchNorm: true, name: `conv${i + 1}` }).apply(h) as SymbolicTensor;
      h = new BatchNormRelu({ momentum: cfg.bnMomentum, epsilon: cfg.bnEpsilon, relu: true, pool: cfg.pools[i], name: `bn_relu${i + 1}` }).apply(h) as SymbolicTensor;
      if (cfg.convDropout > 0) h = new VoxDropout({ rate: cfg.convDropout, name: `drop${i + 1}` }).apply(h) as SymbolicTensor;
    });
    h = new UnfoldTime({ steps: cfg.chunks, name: 'unfold_time' }).apply(h) as SymbolicTensor;
    h = layers.lstm({ units: cfg.lstmUnits, name: 'lstm' }).apply(h) as SymbolicTensor;
    if (cfg.lstmDropout > 0) h = new VoxDropout({ rate: cfg.lstmDropout, name: 'drop_lstm' }).apply(h) as SymbolicTensor;
    const y = layers.dense({ units: cfg.classes, activation: 'softmax', name: 'emotion' }).apply(h) as SymbolicTensor;
    const old = functionalModel({ inputs: x0, outputs: y });
    perturb(old, 12);
    const dirs = [join(tmp, 'old-a'), join(tmp, 'old-b')];
    for (const [k, d] of dirs.entries()) {
      await saveModel(old, d);
      writeFileSync(join(d, 'metadata.json'), JSON.stringify({ kind: 'vox-affect-model', labels: EMOTIONS, featureConfig: FEATURES, scaler: scalerFrom(30 + k).toJSON(), modelConfig: small(11), runId: null, appVersion: 'test' }));
    }
    old.dispose();
    const out = join(tmp, 'old-ensemble');
    await makeEnsemble({ members: dirs, out });
    const members = await Promise.all(dirs.map((d) => loadExportedModel(d)));
    const ens = await loadExportedModel(out);
    try {
      expect(members[0]!.model.layers.map((l) => l.name)).toContain('bn_relu1');
      expect(ens.model.layers.map((l) => l.name)).not.toContain('m1_bn_relu1'); // rebuilt as the fused block
      const x = rawFeatures(3, 13);
      const outs = await onBackend('wasm', () => [
        ...members.map((m) => m.model.predict(tf.tensor(m.scaler.transform(Float32Array.from(x)), [3, ...SHAPE])) as tf.Tensor),
        ens.model.predict(tf.tensor(ens.scaler.transform(Float32Array.from(x)), [3, ...SHAPE])) as tf.Tensor,
      ]);
      expect(maxDiff(outs[2]!, byHand(outs.slice(0, 2), 3, EMOTIONS.length))).toBeLessThan(1e-5);
    } finally {
      for (const m of [...members, ens]) m.dispose();
    }
  });
});

describe('what cannot be combined', () => {
  it('refuses fewer than 2 models and a model given twice', async () => {
    await expect(makeEnsemble({ members: [dirs[0]!], out: join(tmp, 'one') })).rejects.toThrow('an ensemble needs at least 2 models, got 1');
    await expect(makeEnsemble({ members: [dirs[0]!, dirs[1]!, dirs[0]!], out: join(tmp, 'twice') })).rejects.toThrow(`${dirs[0]} is given twice`);
    expect(existsSync(join(tmp, 'one')) || existsSync(join(tmp, 'twice'))).toBe(false);
  });

  it('refuses members whose features differ, naming the folder and the field', async () => {
    const other = await exportMember('offset', small(14), scalers[0]!);
    const meta = JSON.parse(readFileSync(join(other, 'metadata.json'), 'utf8')) as Record<string, any>;
    writeFileSync(join(other, 'metadata.json'), JSON.stringify({ ...meta, featureConfig: { ...FEATURES, offset: 0.25 } }));
    await expect(makeEnsemble({ members: [dirs[0]!, other], out: join(tmp, 'mixed') })).rejects.toThrow(`${other}: its features differ from ${dirs[0]}'s (offset 0.5 ≠ 0.25); members must read the same features`);
    expect(existsSync(join(tmp, 'mixed'))).toBe(false);
  });

  it('refuses an existing folder that is not empty, and writes into an empty one', async () => {
    const busy = join(tmp, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'notes.txt'), 'mine');
    await expect(makeEnsemble({ members: dirs.slice(0, 2), out: busy })).rejects.toThrow(`${busy} exists and is not empty; give a new folder for the ensemble`);
    expect(readdirSync(busy)).toEqual(['notes.txt']);
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    await makeEnsemble({ members: dirs.slice(0, 2), out: empty });
    expect(readdirSync(empty).sort()).toEqual(['metadata.json', 'model.json', 'weights.bin']);
  });

  it('refuses an ensemble as a member, and a modelConfig that does not describe the saved network', async () => {
    await expect(makeEnsemble({ members: [ensembleDir, dirs[0]!], out: join(tmp, 'nested') })).rejects.toThrow(`${ensembleDir} is itself an ensemble (3 members); give its members instead`);
    // Same weight shapes, another BatchNorm epsilon: only running the rebuilt network shows it.
    const liar = await exportMember('liar', small(15), scalers[0]!);
    const meta = JSON.parse(readFileSync(join(liar, 'metadata.json'), 'utf8')) as Record<string, any>;
    writeFileSync(join(liar, 'metadata.json'), JSON.stringify({ ...meta, modelConfig: { ...meta.modelConfig, bnEpsilon: 0.5 } }));
    await expect(makeEnsemble({ members: [dirs[0]!, liar], out: join(tmp, 'lie') })).rejects.toThrow(/liar: rebuilt from its modelConfig it answers differently/);
    // Another LSTM size: the weights do not fit.
    writeFileSync(join(liar, 'metadata.json'), JSON.stringify({ ...meta, modelConfig: { ...meta.modelConfig, lstmUnits: 5 } }));
    await expect(makeEnsemble({ members: [dirs[0]!, liar], out: join(tmp, 'lie') })).rejects.toThrow(/liar: its weights \(.*\) do not fit the network its modelConfig describes/);
    expect(existsSync(join(tmp, 'lie'))).toBe(false);
  });
});

describe('fine-tuning an ensemble', () => {
  it("--freeze cnn freezes every member's CNN; a training step moves only the LSTMs and the output layers", async () => {
    const { model } = await loadModel(ensembleDir);
    try {
      const frozen = applyFreeze(model, 'cnn');
      expect(frozen).toHaveLength(3 * 7); // per member: conv1 (fused block), conv2–4, bn_relu2–4
      expect(frozen.every((n) => /^m[123]_(conv|bn_relu)\d$/.test(n))).toBe(true);
      const trainable = new Set(model.trainableWeights.map((w) => w.originalName.split('/')[0]));
      expect(trainable).toEqual(new Set(['m1_lstm', 'm1_emotion', 'm2_lstm', 'm2_emotion', 'm3_bilstm', 'm3_emotion']));
      const snapshot = () => new Map(model.layers.map((l) => [l.name, l.getWeights().map((w) => Array.from(w.dataSync()))]));
      const before = snapshot();
      const trainer = createTrainer(model, { optimizer: 'sgd', learningRate: 0.1 });
      const xs = tf.tensor(scalers[0]!.transform(raw), [ROWS, ...SHAPE]);
      const ys = tf.oneHot(tf.tensor1d([0, 3, 5], 'int32'), EMOTIONS.length);
      const res = trainer.step(xs, ys);
      expect(Number.isFinite(res.loss)).toBe(true);
      tf.dispose([xs, ys]);
      const after = snapshot();
      for (const [name, ws] of before) {
        if (/_(conv|bn_relu)\d$|_rescale$/.test(name)) expect(after.get(name), name).toEqual(ws);
        if (/^m\d_(bi)?lstm$|_emotion$/.test(name)) expect(after.get(name), name).not.toEqual(ws);
      }
      expect(applyFreeze(model, 'lstm').filter((n) => /lstm$/.test(n)).sort()).toEqual(['m1_lstm', 'm2_lstm', 'm3_bilstm']);
    } finally {
      model.dispose();
    }
  });

  it('still fails loudly on a model without CNN layers, prefixed or not', () => {
    const m = sequential({ layers: [layers.dense({ units: 8, inputShape: [4], name: 'm1_dense' })] });
    expect(() => applyFreeze(m, 'cnn')).toThrow(/^--freeze cnn: the model has no conv<n>\/bn_relu<n> layers .*layers: m1_dense\)$/);
    m.dispose();
  });
});
