/**
 * `--split all` end to end: a tiny `ser train` (1 epoch, 4 clips of each dev actor, a tiny model) where every clip
 * trains — no validation, no test part — then everything that reads a run's test figures: the finished event, the
 * stored run, `ser runs` / `--table`, `ser eval <run>` and `--test-of` (refused in one line), the model itself
 * (`ser classify`, `ser eval --model --data`, `ser ensemble`) and the app's services. Real WAVs, SQLite and tfjs.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../electron/engine/store/index.js';
import { NO_TRAINING, RunsService } from '../../electron/services/runs.js';
import { TrainingService } from '../../electron/services/training.js';
import type { ServiceContext } from '../../electron/services/context.js';
import { EMOTIONS } from '../../electron/shared/labels.js';
import { devSlice } from '../helpers/devSlice.js';
import { runSer, sharedDir, sharedSkipReason } from '../helpers/ser.js';

type Json = Record<string, any>;
const events = (stdout: string): Json[] => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Json);

const tmp = mkdtempSync(join(tmpdir(), 'ser-split-all-'));
const db = join(tmp, 'experiments.db');
const env = { SER_DATA_DIR: join(tmp, 'data'), SER_DB: db };
const data = join(tmp, 'dev');
const PER_ACTOR = 4;
const CLIPS = 4 * PER_ACTOR;
const train = (extra: string[]) =>
  runSer(
    ['train', '--data', data, '--split', 'all', '--epochs', '1', '--batch-size', '8', '--augment-copies', '0', '--optimizer', 'adam', '--model', '{"filters":[4,4,4,4],"lstmUnits":8}', '--backend', 'wasm', '--workers', '1', ...extra],
    { env, timeoutMs: 240_000 },
  );

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

if (!sharedDir) it.skip(`--split all end to end (${sharedSkipReason})`, () => {});

(sharedDir ? describe : describe.skip)('ser train --split all', () => {
  let evs: Json[] = [];
  let fin: Json = {};
  let runId = 0;

  beforeAll(async () => {
    devSlice(join(sharedDir!, 'data', 'ravdess-dev'), data, PER_ACTOR);
    const r = await train(['--seed', '7', '--json']);
    expect(r.code, r.stderr).toBe(0);
    evs = events(r.stdout);
    fin = evs.at(-1)!;
    runId = fin.runId as number;
  }, 240_000);

  it('trains on every clip with no validation or test part, and finishes with null test figures', () => {
    expect(evs.find((e) => e.event === 'started')).toMatchObject({ trainSize: CLIPS, valSize: 0, testSize: 0 });
    const epoch = evs.find((e) => e.event === 'epoch')!;
    expect(epoch).toMatchObject({ valLoss: null, valAccuracy: null, valUar: null });
    expect(Number.isFinite(epoch.trainLoss)).toBe(true);
    expect(fin).toMatchObject({ event: 'finished', runId: expect.any(Number), epochs: 1 });
    expect(fin.testAccuracy).toBeNull();
    expect(fin.uar).toBeNull();
    expect(fin.macroF1).toBeNull();
  });

  it('exports the model with test: null and no test predictions', () => {
    const dir = fin.modelDir as string;
    for (const f of ['model.json', 'weights.bin', 'metadata.json']) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(existsSync(join(dir, 'test_predictions.json'))).toBe(false);
    const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) as Json;
    expect(meta).toHaveProperty('test', null);
    expect(meta.runId).toBe(runId);
    expect(meta.bestEpoch).toBe(0);
  });

  it('stores the run completed with its split (every speaker training) and no test evaluation', async () => {
    const r = await runSer(['runs', 'show', String(runId), '--json', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as Json;
    expect(run.status).toBe('completed');
    expect(run.split).toMatchObject({ kind: 'all', seed: 7, trainSpeakers: ['01', '02', '03', '04'], valSpeakers: [], testSpeakers: [], trainFiles: CLIPS, valFiles: 0, testFiles: 0 });
    expect(run.config.split).toEqual({ kind: 'all', seed: 7 });
    expect(run.evaluations.filter((e: Json) => e.split === 'test')).toEqual([]);
  });

  it('`ser runs --json` and `ser runs --table` show null test figures, the table naming the split', async () => {
    const list = await runSer(['runs', '--json', '--db', db]);
    expect(list.code, list.stderr).toBe(0);
    const item = (JSON.parse(list.stdout) as Json[]).find((x) => x.id === runId)!;
    expect(item).toMatchObject({ status: 'completed', epochsDone: 1, bestValAccuracy: null, testAccuracy: null });
    const table = await runSer(['runs', '--table', String(runId), '--json', '--db', db]);
    expect(table.code, table.stderr).toBe(0);
    expect(JSON.parse(table.stdout).rows[0]).toMatchObject({ runId, split: 'all', splitLabel: 'all (no test part)', testSpeakers: [], testAccuracy: null, uar: null });
    const human = await runSer(['runs', '--table', String(runId), '--db', db]);
    expect(human.code, human.stderr).toBe(0);
    const row = human.stdout.split('\n').find((l) => l.trimStart().startsWith(`${runId} `))!;
    expect(row).toContain('all (no test part)');
    expect(row).toMatch(/none .* – +– *$/);
    expect(human.stdout).not.toMatch(/NaN|undefined/);
  });

  it('`ser eval <run>` and `--test-of <run>` refuse in one line, naming the way to evaluate it', async () => {
    const msg = `ser: run ${runId} has no test part (split all): use ser eval --model ${runId} --data <dir>\n`;
    for (const args of [['eval', String(runId)], ['eval', String(runId), '--json'], ['eval', '--model', String(runId), '--test-of', String(runId)]]) {
      const r = await runSer([...args, '--db', db], { env });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toBe(msg);
      expect(r.stdout).toBe('');
    }
  });

  it('its model classifies (`ser classify --model <run>`) and evaluates on a dataset (`ser eval --model --data`)', async () => {
    const clip = join(data, 'Actor_01', readdirSync(join(data, 'Actor_01')).sort()[0]!);
    const c = await runSer(['classify', '--model', String(runId), clip, '--json', '--db', db], { env });
    expect(c.code, c.stderr).toBe(0);
    const o = JSON.parse(c.stdout) as Json;
    expect(EMOTIONS).toContain(o.top);
    expect(EMOTIONS.reduce((s, e) => s + (o.probs[e] as number), 0)).toBeCloseTo(1, 4);
    const e = await runSer(['eval', '--model', String(runId), '--data', data, '--json', '--db', db], { env });
    expect(e.code, e.stderr).toBe(0);
    const ev = JSON.parse(e.stdout) as Json;
    expect(ev.files).toBe(CLIPS);
    expect(ev.runId).toBe(runId);
    expect(ev.accuracy).toBeGreaterThanOrEqual(0);
  });

  it('the human output says there is no test part instead of printing a test accuracy', async () => {
    const r = await train(['--seed', '8', '--name', 'all human']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('no test part (split all): judge this recipe with ser cv');
    expect(r.stdout).toContain('0 validation, 0 test');
    expect(r.stdout).not.toContain('Accuracy (test)');
    expect(r.stdout).not.toMatch(/NaN|undefined/);
  });

  it('runs with split all make an ensemble like any other runs', async () => {
    const runs = (JSON.parse((await runSer(['runs', '--json', '--db', db])).stdout) as Json[]).filter((x) => x.status === 'completed');
    expect(runs).toHaveLength(2);
    const out = join(tmp, 'ensemble');
    const r = await runSer(['ensemble', '--model', runs.map((x) => x.id).join(','), '--out', out, '--json', '--db', db], { env });
    expect(r.code, r.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(join(out, 'metadata.json'), 'utf8')) as Json;
    expect(meta.ensemble.members).toHaveLength(2);
    for (const m of meta.ensemble.members) expect(m.test).toBeNull();
    const c = await runSer(['classify', '--model', out, join(data, 'Actor_02', readdirSync(join(data, 'Actor_02')).sort()[0]!), '--json'], { env });
    expect(c.code, c.stderr).toBe(0);
    expect(EMOTIONS).toContain(JSON.parse(c.stdout).top);
  });

  it('the app’s services: null test figures, split kind all, and no misclassified list (not an empty one)', () => {
    const store = openStore(db, { mustExist: true });
    try {
      const runs = new RunsService({ store }, NO_TRAINING);
      expect(runs.list().find((r) => r.id === runId)).toMatchObject({ splitKind: 'all', testAccuracy: null, uar: null, macroF1: null });
      const res = runs.results(runId);
      expect(res.test).toBeNull();
      expect(res.val).toBeNull();
      expect(new TrainingService({ store } as unknown as ServiceContext).misclassified(runs.detail(runId))).toBeNull();
    } finally {
      store.close();
    }
  });

  it('`ser dataset split --split all` previews every clip in training', async () => {
    const r = await runSer(['dataset', 'split', data, '--split', 'all', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout) as Json;
    expect(o).toMatchObject({ kind: 'all', train: { files: CLIPS, speakers: ['01', '02', '03', '04'] }, val: { files: 0, speakers: [] }, test: { files: 0, speakers: [] } });
    const h = await runSer(['dataset', 'split', data, '--split', 'all'], { env });
    expect(h.code, h.stderr).toBe(0);
    expect(h.stdout).toMatch(/^all split \(seed 42\)\n {2}train +16 files/);
    expect(h.stdout).toContain('note: every clip trains, no validation or test part — judge the recipe with ser cv.');
  });
});
