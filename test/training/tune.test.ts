/**
 * `ser tune` for real: a tiny base model trained on RAVDESS dev actors 01–03, fine-tuned on actor 04's clips laid
 * out as a recording session writes them (<dir>/<emotion>/*.wav), with a real SQLite file and the wasm backend.
 */
import { copyFileSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../native/tf/backends.js';
import { EMOTIONS } from '../../electron/shared/labels.js';
import { loadModel } from '../../electron/engine/model/index.js';
import { openStore } from '../../electron/engine/store/index.js';
import { startTuning } from '../../electron/engine/training/tuneSession.js';
import { defaultTuneOptions } from '../../electron/engine/training/tuneTypes.js';
import { runSer, sharedDir, sharedSkipReason } from '../helpers/ser.js';

const tmp = mkdtempSync(join(tmpdir(), 'ser-tune-'));
const db = join(tmp, 'experiments.db');
const env = { SER_DATA_DIR: join(tmp, 'data') };
const MODEL = '{"filters":[4,4,4,4],"lstmUnits":8}';
const dev = sharedDir ? join(sharedDir, 'data', 'ravdess-dev') : '';
const baseData = join(tmp, 'actors-01-03');
const takes = join(tmp, 'my-takes');
const empty = join(tmp, 'empty');

type Ev = Record<string, unknown> & { event: string };
const events = (stdout: string): Ev[] => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);

function place(src: string, dst: string): void {
  try {
    linkSync(src, dst); // same file system: no copy
  } catch {
    copyFileSync(src, dst);
  }
}

/** Layer name → its weights as raw bytes. */
async function weightsOf(dir: string): Promise<Map<string, Buffer[]>> {
  const { model } = await loadModel(dir);
  const out = new Map<string, Buffer[]>();
  for (const layer of (model as LayersModel).layers) out.set(layer.name, layer.getWeights().map((w) => Buffer.from((w.dataSync() as Float32Array).buffer.slice(0))));
  model.dispose();
  return out;
}

describe.skipIf(!sharedDir)(`ser tune on RAVDESS actor 04 (${sharedDir ? 'dev subset' : sharedSkipReason})`, () => {
  let baseRunId = 0;
  let baseDir = '';
  let evs: Ev[] = [];
  let finished: Ev;

  beforeAll(async () => {
    for (const a of ['01', '02', '03']) {
      mkdirSync(join(baseData, `Actor_${a}`), { recursive: true });
      for (const f of readdirSync(join(dev, `Actor_${a}`))) place(join(dev, `Actor_${a}`, f), join(baseData, `Actor_${a}`, f));
    }
    // Actor 04 as a recording session lays it out: one folder per emotion (RAVDESS code 01…08 = EMOTIONS order).
    for (const f of readdirSync(join(dev, 'Actor_04')).filter((n) => n.endsWith('.wav'))) {
      const emotion = EMOTIONS[Number(f.split('-')[2]) - 1]!;
      mkdirSync(join(takes, emotion), { recursive: true });
      place(join(dev, 'Actor_04', f), join(takes, emotion, f));
    }
    mkdirSync(empty, { recursive: true });
    const base = await runSer(
      ['train', '--data', baseData, '--split', 'speaker', '--test-speakers', '3', '--val-speakers', '2', '--epochs', '1', '--batch-size', '8', '--augment-copies', '0', '--optimizer', 'adam', '--lr', '0.01', '--model', MODEL, '--backend', 'wasm', '--workers', '1', '--db', db, '--json'],
      { env, timeoutMs: 300_000 },
    );
    expect(base.code, base.stderr).toBe(0);
    const last = events(base.stdout).at(-1)!;
    baseRunId = last.runId as number;
    baseDir = last.modelDir as string;

    const r = await runSer(['tune', '--model', String(baseRunId), '--data', takes, '--epochs', '2', '--seed', '3', '--backend', 'wasm', '--db', db, '--json'], { env, timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    evs = events(r.stdout);
    finished = evs.at(-1)!;
  }, 600_000);

  it('prints progress events, the last line being the before/after contract', () => {
    expect(evs[0]!.event).toBe('preparing');
    expect(evs.find((e) => e.event === 'started')).toMatchObject({ backend: 'wasm', testSize: 8, valSize: 0, epochs: 2 });
    expect(evs.filter((e) => e.event === 'epoch')).toHaveLength(2);
    expect(Object.keys(finished).sort()).toEqual(['after', 'before', 'durationMs', 'event', 'heldOut', 'modelDir', 'runId'].sort());
    expect(finished).toMatchObject({ event: 'finished', runId: expect.any(Number), modelDir: expect.any(String), heldOut: 8, durationMs: expect.any(Number) });
    for (const side of ['before', 'after'] as const) {
      const m = finished[side] as { accuracy: number; uar: number; confusion: number[][] };
      expect(Object.keys(m).sort()).toEqual(['accuracy', 'confusion', 'uar']);
      expect(m.accuracy).toBeGreaterThanOrEqual(0);
      expect(m.accuracy).toBeLessThanOrEqual(1);
      expect(m.confusion).toHaveLength(8);
      expect(m.confusion.flat().reduce((a, b) => a + b, 0)).toBe(8); // the same 8 held-out takes on both sides
      expect(m.confusion.map((row) => row.reduce((a, b) => a + b, 0))).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    }
  });

  it('stores a run of kind tune with its parent, and keeps the held-out takes out of the tuning set', () => {
    const store = openStore(db, { mustExist: true });
    try {
      const run = store.runs.require(finished.runId as number);
      expect(run).toMatchObject({ kind: 'tune', status: 'completed', parentRunId: baseRunId, parentModel: baseDir });
      expect(store.runs.require(baseRunId).kind).toBe('train');
      const cfg = run.config as { heldOutFiles: string[]; tuningFiles: string[]; freeze: string };
      expect(cfg.freeze).toBe('cnn');
      expect(cfg.heldOutFiles).toHaveLength(8);
      expect(new Set(cfg.heldOutFiles.map((p) => p.split('/')[0])).size).toBe(8); // one per emotion
      expect(cfg.tuningFiles).toHaveLength(60 - 8);
      expect(cfg.tuningFiles.filter((f) => cfg.heldOutFiles.includes(f))).toEqual([]);
      expect(store.models.listForRun(run.id, 'export').at(-1)!.path).toBe(finished.modelDir);
    } finally {
      store.close();
    }
  });

  it('leaves the CNN bit-identical to the base and moves the LSTM and the output layer', async () => {
    await selectBackend({ backend: 'cpu' }); // only to read the weights
    const before = await weightsOf(baseDir);
    const after = await weightsOf(finished.modelDir as string);
    const cnn = [...before.keys()].filter((n) => /^(conv|bn_relu)\d+$/.test(n));
    expect(cnn).toHaveLength(7); // conv1 (the fused first block, conv + BatchNorm), conv2–4, bn_relu2–4
    for (const name of cnn) after.get(name)!.forEach((w, i) => expect(w.equals(before.get(name)![i]!), `${name} weight ${i}`).toBe(true));
    for (const name of ['lstm', 'emotion']) {
      const moved = after.get(name)!.some((w, i) => !w.equals(before.get(name)![i]!));
      expect(moved, name).toBe(true);
    }
  });

  it("exports the base's scaler and feature config (not refitted) and names its parent", () => {
    const meta = (dir: string) => JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) as Record<string, unknown>;
    const base = meta(baseDir);
    const tuned = meta(finished.modelDir as string);
    expect(tuned.scaler).toEqual(base.scaler);
    expect(tuned.featureConfig).toEqual(base.featureConfig);
    expect(tuned).toMatchObject({ kind: 'vox-affect-model', runId: finished.runId, parent: { model: baseDir, runId: baseRunId }, tune: { freeze: 'cnn', epochs: 2 } });
    expect(tuned.test).toBeUndefined(); // the base's test figures do not describe the tuned model
  });

  it('exports a model that `ser classify --model <run id>` uses', async () => {
    const clip = join(takes, 'angry', readdirSync(join(takes, 'angry'))[0]!);
    const r = await runSer(['classify', '--model', String(finished.runId), '--backend', 'wasm', '--db', db, '--json', clip], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ file: clip, top: expect.any(String) });
  });

  it('refuses bad inputs with one line: exit 1 for missing models and data, exit 2 for usage', async () => {
    const one = async (args: string[], code: number, text: RegExp, extraEnv: Record<string, string> = {}) => {
      const r = await runSer(['tune', ...args, '--db', db], { env: { ...env, ...extraEnv } });
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(text);
    };
    await one(['--model', join(tmp, 'no-such-model'), '--data', takes], 1, /no-such-model: not a model folder/);
    await one(['--model', '999', '--data', takes], 1, /no run with id 999/);
    await one(['--data', takes], 1, /no model: train one or reinstall; the built-in model is missing from .*no-builtin/, { SER_BUILTIN_MODEL: join(tmp, 'no-builtin') });
    await one(['--model', baseDir, '--data', empty], 1, /empty: no audio files found/);
    await one(['--model', baseDir, '--data', join(tmp, 'nowhere')], 1, /nowhere: no such folder/);
    await one(['--model', baseDir, '--data', takes, '--holdout', '4'], 1, /neutral has 4 take\(s\); holding out 4/);
    await one(['--model', baseDir], 2, /--data <dir> is required/);
    await one(['--model', baseDir, '--data', takes, '--freeze', 'all'], 2, /--freeze must be one of cnn, lstm, none; got 'all'/);
    await one(['--model', baseDir, '--data', takes, '--epochs', '0'], 2, /--epochs must be ≥ 1/);
    const store = openStore(db, { mustExist: true });
    try {
      expect(store.runs.list().filter((r) => r.kind === 'tune')).toHaveLength(1); // no run for refused inputs
    } finally {
      store.close();
    }
  }, 120_000);

  it('--freeze none trains the CNN too', async () => {
    const r = await runSer(['tune', '--model', baseDir, '--data', takes, '--epochs', '1', '--freeze', 'none', '--backend', 'wasm', '--db', db, '--json'], { env, timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    const last = events(r.stdout).at(-1)!;
    const base = await weightsOf(baseDir);
    const tuned = await weightsOf(last.modelDir as string);
    for (const name of ['conv1', 'bn_relu4', 'lstm', 'emotion']) expect(tuned.get(name)!.some((w, i) => !w.equals(base.get(name)![i]!)), name).toBe(true);
    const store = openStore(db, { mustExist: true });
    try {
      expect(store.runs.require(last.runId as number)).toMatchObject({ kind: 'tune', parentRunId: null, parentModel: baseDir }); // a folder, not a run id
    } finally {
      store.close();
    }
  }, 300_000);

  it('cancel() stops the worker: the run is cancelled and nothing is exported', async () => {
    const h = startTuning({ ...defaultTuneOptions, model: baseDir, data: takes, epochs: 50, backend: 'wasm' }, { dbPath: db, dataDir: env.SER_DATA_DIR });
    h.onEvent((e) => {
      if (e.event === 'epoch') void h.cancel();
    });
    const final = await h.done;
    expect(final.event).toBe('cancelled');
    const store = openStore(db, { mustExist: true });
    try {
      const id = await h.runId;
      expect(store.runs.require(id).status).toBe('cancelled');
      expect(store.models.listForRun(id, 'export')).toEqual([]);
    } finally {
      store.close();
    }
  }, 300_000);
});
