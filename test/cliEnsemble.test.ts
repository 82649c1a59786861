/**
 * `ser ensemble` end to end: two tiny `ser train` runs with different seeds and scalers (1 epoch on generated audio,
 * a few seconds each), combined by run id into one model folder that `ser classify`, `ser eval --model` and `ser tune`
 * take as they take any model; the record it leaves in the database (`--model ensemble:<id>` resolves through it);
 * and the verb's refusals (exit 2 for usage, 1 with one line otherwise).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../native/tf/backends.js';
import { loadModel } from '../electron/engine/model/index.js';
import { openStore } from '../electron/engine/store/index.js';
import { runSer } from './helpers/ser.js';
import { textureDataset } from './helpers/toneDataset.js';

const tmp = mkdtempSync(join(tmpdir(), 'ser-cli-ensemble-'));
const data = join(tmp, 'texture');
const db = join(tmp, 'experiments.db');
const env = { SER_DATA_DIR: join(tmp, 'data'), SER_DB: db };
const out = join(tmp, 'ensemble');
type Json = Record<string, any>;
const lastJson = (stdout: string): Json => JSON.parse(stdout.trim().split('\n').at(-1)!) as Json;
const runs: Json[] = [];

beforeAll(async () => {
  textureDataset(data, 2, 2);
  // Run 2 trains on noisy copies too, so its scaler differs from run 1's (the ensemble maps its input).
  for (const [seed, copies] of [['1', '0'], ['2', '1']] as const) {
    const r = await runSer(
      ['train', '--data', data, '--epochs', '1', '--split', 'random', '--seed', seed, '--batch-size', '8', '--augment-copies', copies, '--workers', '1', '--model', '{"filters":[4,4,4,4],"lstmUnits":8}', '--json'],
      { env, timeoutMs: 120_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    runs.push(lastJson(r.stdout));
  }
}, 240_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('ser ensemble', () => {
  let made: Json;

  it('combines two runs (by id, as a comma list) into one model folder and says what it made', async () => {
    const r = await runSer(['ensemble', '--model', `${runs[0]!.runId},${runs[1]!.runId}`, '--out', out, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    made = lastJson(r.stdout);
    expect(made).toMatchObject({ out, members: [{ dir: runs[0]!.modelDir, runId: runs[0]!.runId, seed: 1 }, { dir: runs[1]!.modelDir, runId: runs[1]!.runId, seed: 2, rescaled: true }] });
    expect(made.params).toBeGreaterThan(0);
    expect(readdirSync(out).sort()).toEqual(['metadata.json', 'model.json', 'weights.bin']);
    const meta = JSON.parse(readFileSync(join(out, 'metadata.json'), 'utf8')) as Json;
    expect(meta.ensemble.members.map((m: Json) => m.runId)).toEqual([runs[0]!.runId, runs[1]!.runId]);
    // The human form, with --model twice (a run id, then a run's folder), named, into another folder.
    const h = await runSer(['ensemble', '--model', String(runs[0]!.runId), '--model', runs[1]!.modelDir, '--out', join(tmp, 'again'), '--name', 'seeds 1 + 2'], { env });
    expect(h.code, h.stderr).toBe(0);
    expect(h.stdout).toMatch(/^ensemble of 2 models → .*again/);
    expect(h.stdout).toContain(`recorded as ensemble #${made.ensembleId + 1} "seeds 1 + 2" in ${db}`);
    expect(h.stdout).toContain(`inference costs about 2× one model; use it as --model ensemble:${made.ensembleId + 1} or --model ${join(tmp, 'again')}`);
  });

  it('records each ensemble in the database: its folder, name (default: the folder’s) and member runs', () => {
    expect(made.ensembleId).toEqual(expect.any(Number));
    const store = openStore(db, { mustExist: true });
    try {
      const [second, first] = store.ensembles.list();
      expect(first).toMatchObject({ id: made.ensembleId, name: 'ensemble', path: out, members: [{ runId: runs[0]!.runId, dir: runs[0]!.modelDir }, { runId: runs[1]!.runId, dir: runs[1]!.modelDir }] });
      // A member given as its folder is still linked to the run of this database that exported it.
      expect(second).toMatchObject({ id: made.ensembleId + 1, name: 'seeds 1 + 2', path: join(tmp, 'again'), members: [{ runId: runs[0]!.runId }, { runId: runs[1]!.runId, dir: runs[1]!.modelDir }] });
    } finally {
      store.close();
    }
  });

  it('is a model for ser classify and ser eval --model', async () => {
    const clip = join(data, 'Actor_01/03-01-01-01-01-01-01.wav');
    const c = await runSer(['classify', '--model', out, clip, '--json'], { env });
    expect(c.code, c.stderr).toBe(0);
    const probs = Object.values(lastJson(c.stdout).probs as Record<string, number>);
    expect(probs).toHaveLength(8);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const e = await runSer(['eval', '--model', out, '--data', data, '--workers', '1', '--json'], { env });
    expect(e.code, e.stderr).toBe(0);
    expect(lastJson(e.stdout)).toMatchObject({ files: 16, accuracy: expect.any(Number) });
    // The same model by its record: identical probabilities.
    const byId = await runSer(['classify', '--model', `ensemble:${made.ensembleId}`, clip, '--json'], { env });
    expect(byId.code, byId.stderr).toBe(0);
    expect(lastJson(byId.stdout).probs).toEqual(lastJson(c.stdout).probs);
  });

  it('--window-offsets is recorded in the ensemble and used by classify and eval; a bad list in metadata.json is refused', async () => {
    const windows = join(tmp, 'windows');
    const w = await runSer(['ensemble', '--model', `${runs[0]!.runId},${runs[1]!.runId}`, '--out', windows, '--window-offsets', '0.7,0.3,0.5', '--json'], { env });
    expect(w.code, w.stderr).toBe(0);
    expect(lastJson(w.stdout).windowOffsets).toEqual([0.3, 0.5, 0.7]);
    expect((JSON.parse(readFileSync(join(windows, 'metadata.json'), 'utf8')) as Json).windowOffsets).toEqual([0.3, 0.5, 0.7]);
    const clip = join(data, 'Actor_01/03-01-01-01-01-01-01.wav');
    const probs = async (model: string, ...extra: string[]) => {
      const c = await runSer(['classify', '--model', model, clip, ...extra, '--json'], { env });
      expect(c.code, c.stderr).toBe(0);
      return lastJson(c.stdout).probs as Record<string, number>;
    };
    // Its own windows, and the same windows asked of the plain ensemble: the same answer; one window differs.
    const own = await probs(windows);
    const asked = await probs(out, '--window-offsets', '0.3,0.5,0.7');
    for (const [e, p] of Object.entries(own)) expect(p).toBeCloseTo(asked[e]!, 6);
    const plain = await probs(out);
    expect(Object.entries(own).some(([e, p]) => Math.abs(p - plain[e]!) > 1e-6)).toBe(true);
    const e = await runSer(['eval', '--model', windows, '--data', data, '--workers', '1', '--json'], { env });
    expect(e.code, e.stderr).toBe(0);
    expect(lastJson(e.stdout)).toMatchObject({ files: 16, windowOffsets: [0.3, 0.5, 0.7] });

    const meta = JSON.parse(readFileSync(join(windows, 'metadata.json'), 'utf8')) as Json;
    writeFileSync(join(windows, 'metadata.json'), JSON.stringify({ ...meta, windowOffsets: [0.5, -2] }));
    const bad = await runSer(['classify', '--model', windows, clip], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual([`ser: ${join(windows, 'metadata.json')}: windowOffsets: each offset is a number of seconds from 0 to 10, got -2`]);
  });

  it('ensemble:<id> that is not recorded, whose folder is gone, or is not an id: one line naming it (exit 1)', async () => {
    const clip = join(data, 'Actor_01/03-01-01-01-01-01-01.wav');
    const unknown = await runSer(['classify', '--model', 'ensemble:99', clip], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toEqual([`ser: no ensemble with id 99 in ${db}`]);
    const gone = join(tmp, 'gone');
    const g = await runSer(['ensemble', '--model', `${runs[0]!.runId},${runs[1]!.runId}`, '--out', gone, '--name', 'soon gone', '--json'], { env });
    expect(g.code, g.stderr).toBe(0);
    const goneId = lastJson(g.stdout).ensembleId as number;
    rmSync(gone, { recursive: true });
    for (const verb of [['classify', clip], ['eval', '--data', data]]) {
      const r = await runSer([verb[0]!, '--model', `ensemble:${goneId}`, ...verb.slice(1)], { env });
      expect(r.code, verb[0]).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([`ser: ensemble ${goneId} ("soon gone"): its folder ${gone} is gone (no model.json); make it again with ser ensemble`]);
    }
    const bad = await runSer(['classify', '--model', 'ensemble:x1', clip], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('ser: ensemble:x1: an ensemble is given as ensemble:<id>, its id a positive integer');
  });

  it('is a base for ser tune: every member’s CNN (and input map) comes out bit-identical, the heads move', async () => {
    const t = await runSer(['tune', '--model', out, '--data', data, '--epochs', '1', '--holdout', '1', '--json'], { env, timeoutMs: 120_000 });
    expect(t.code, t.stderr).toBe(0);
    const fin = lastJson(t.stdout);
    expect(fin.event).toBe('finished');
    await selectBackend({ backend: 'cpu' });
    const weights = async (dir: string) => {
      const { model } = await loadModel(dir);
      const w = new Map(model.layers.map((l) => [l.name, l.getWeights().map((x) => Array.from(x.dataSync()))]));
      model.dispose();
      return w;
    };
    const [base, tuned] = [await weights(out), await weights(fin.modelDir as string)];
    const cnn = [...base.keys()].filter((n) => /^m[12]_(conv|bn_relu)\d$|^m2_rescale$/.test(n));
    expect(cnn).toHaveLength(15);
    for (const n of cnn) expect(tuned.get(n), n).toEqual(base.get(n));
    expect(tuned.get('m1_emotion')).not.toEqual(base.get('m1_emotion'));
  });

  it('refuses one model (exit 2), an existing non-empty --out and an unknown run (exit 1, one line)', async () => {
    const one = await runSer(['ensemble', '--model', String(runs[0]!.runId), '--out', join(tmp, 'one')], { env });
    expect(one.code).toBe(2);
    expect(one.stderr.trim()).toBe('ser: an ensemble needs at least 2 models (--model <dir|run id> --model <dir|run id>), got 1');
    const noOut = await runSer(['ensemble', '--model', `${runs[0]!.runId},${runs[1]!.runId}`], { env });
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('--out <dir> is required');
    const busy = join(tmp, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'keep.txt'), 'x');
    const b = await runSer(['ensemble', '--model', `${runs[0]!.runId},${runs[1]!.runId}`, '--out', busy], { env });
    expect(b.code).toBe(1);
    expect(b.stderr.trim().split('\n')).toEqual([`ser: ${busy} exists and is not empty; give a new folder for the ensemble`]);
    expect(readdirSync(busy)).toEqual(['keep.txt']);
    const unknown = await runSer(['ensemble', '--model', `${runs[0]!.runId},99`, '--out', join(tmp, 'unknown')], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toContain('99');
  });
});
