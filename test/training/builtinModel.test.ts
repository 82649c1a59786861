/**
 * The built-in model, used by default: where the engine looks for it (checkout, packaged app, SER_BUILTIN_MODEL),
 * `ser classify` / `ser live` without --model, and the live service's choice and model list. The "built-in" model
 * here is a tiny one trained for real (1 epoch on generated audio, ≈ 3 s) and copied to a temp folder with a card,
 * with SER_BUILTIN_MODEL pointing at it: nothing under resources/models is needed or touched.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInput } from '../../electron/server/router.js';
import type { ModelList } from '../../electron/contract/types.js';
import { createServices, type Services } from '../../electron/services/index.js';
import {
  BUILTIN_MODEL_LABEL, builtInModelPath, findBuiltInModel, parseModelCard, readModelFolderInfo, requireBuiltInModel, type ModelCard,
} from '../../electron/engine/training/builtinModel.js';
import { repoRoot, runSer } from '../helpers/ser.js';
import { textureDataset } from '../helpers/toneDataset.js';

const tmp = mkdtempSync(join(tmpdir(), 'ser-builtin-'));
const data = join(tmp, 'texture');
const db = join(tmp, 'experiments.db');
const builtIn = join(tmp, 'builtin-model');
const missing = join(tmp, 'no-such-model');
const env = { SER_DATA_DIR: join(tmp, 'data'), SER_DB: db };
const clips = [join(data, 'Actor_01/03-01-01-01-01-01-01.wav'), join(data, 'Actor_02/03-01-03-01-01-01-02.wav')];
const CARD: ModelCard = {
  title: 'RAVDESS CNN-LSTM (test)',
  trainedOn: 'generated textures (test)',
  newSpeakers: { accuracy: 0.52, uar: 0.5, protocol: '5-fold by speaker' },
  randomSplit: null,
  licence: 'CC BY-NC-SA 4.0',
};
let runId = 0;
let runModelDir = '';

beforeAll(async () => {
  textureDataset(data, 2, 2);
  const r = await runSer(
    ['train', '--data', data, '--epochs', '1', '--split', 'random', '--batch-size', '8', '--augment-copies', '0', '--workers', '1', '--model', '{"filters":[4,4,4,4],"lstmUnits":8}', '--json'],
    { env, timeoutMs: 120_000 },
  );
  expect(r.code, r.stderr).toBe(0);
  const fin = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { runId: number; modelDir: string };
  runId = fin.runId;
  runModelDir = fin.modelDir;
  cpSync(fin.modelDir, builtIn, { recursive: true });
  const meta = JSON.parse(readFileSync(join(builtIn, 'metadata.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(builtIn, 'metadata.json'), JSON.stringify({ ...meta, card: CARD }));
}, 120_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('locating the built-in model', () => {
  it('is <app root>/resources/models/ravdess-cnn-lstm in a checkout, found from the module, not the working directory', () => {
    const expected = join(repoRoot, 'resources', 'models', 'ravdess-cnn-lstm');
    expect(builtInModelPath({ env: {} })).toBe(expected);
    expect(builtInModelPath({ env: {}, appRoot: '/opt/somewhere' })).toBe('/opt/somewhere/resources/models/ravdess-cnn-lstm');
  });

  it('is <resources>/models/ravdess-cnn-lstm in the packaged app (beside app.asar)', () => {
    expect(builtInModelPath({ env: {}, appRoot: '/opt/Vox Affect/resources/app.asar' })).toBe('/opt/Vox Affect/resources/models/ravdess-cnn-lstm');
    expect(builtInModelPath({ env: {}, appRoot: '/x/resources/app', resourcesPath: '/y/res' })).toBe('/y/res/models/ravdess-cnn-lstm');
  });

  it('SER_BUILTIN_MODEL overrides it; an absent model is undefined, and required it is one line naming the path', () => {
    expect(findBuiltInModel({ env: { SER_BUILTIN_MODEL: builtIn } })).toBe(builtIn);
    expect(requireBuiltInModel({ env: { SER_BUILTIN_MODEL: builtIn } })).toBe(builtIn);
    expect(findBuiltInModel({ env: { SER_BUILTIN_MODEL: missing } })).toBeUndefined();
    expect(findBuiltInModel({ env: {}, appRoot: tmp })).toBeUndefined();
    expect(() => requireBuiltInModel({ env: { SER_BUILTIN_MODEL: missing } })).toThrow(
      `no model: train one or reinstall; the built-in model is missing from ${missing} (SER_BUILTIN_MODEL)`,
    );
  });

  it('reads the model card, and refuses a malformed one rather than show wrong numbers', () => {
    expect(parseModelCard(CARD)).toEqual(CARD);
    expect(parseModelCard({ ...CARD, newSpeakers: null })).toEqual({ ...CARD, newSpeakers: null });
    expect(parseModelCard({ ...CARD, newSpeakers: { accuracy: 52, uar: 50, protocol: 'x' } })).toBeNull(); // percentages, not fractions
    expect(parseModelCard({ title: 'x' })).toBeNull();
    expect(parseModelCard(undefined)).toBeNull();
  });

  it('its version changes when the card or the windows change on the same weights, so the Live notice shows again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ser-card-version-'));
    const write = (extra: object) => writeFileSync(join(dir, 'metadata.json'), JSON.stringify({ appVersion: '0.1.0', createdAt: '2026-12-01T00:00:00Z', card: CARD, ...extra }));
    write({});
    const first = readModelFolderInfo(dir).version;
    expect(readModelFolderInfo(dir).version).toBe(first);
    write({ card: { ...CARD, newSpeakers: { ...CARD.newSpeakers!, accuracy: 0.7 } } });
    const second = readModelFolderInfo(dir).version;
    write({ windowOffsets: [0.4, 0.5, 0.6] });
    const third = readModelFolderInfo(dir).version;
    expect(new Set([first, second, third]).size).toBe(3);
    expect(first.startsWith('0.1.0 2026-12-01T00:00:00Z ')).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('ser classify and ser live without --model', () => {
  type Line = { file: string; top: string; probs: Record<string, number> };
  const lines = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as Line);

  it('classify uses the built-in model (no database needed, any working directory); --model built-in is the same', async () => {
    const noDb = { SER_BUILTIN_MODEL: builtIn, SER_DB: join(tmp, 'absent', 'x.db') };
    const r = await runSer(['classify', '--json', ...clips], { env: noDb, cwd: tmp });
    expect(r.code, r.stderr).toBe(0);
    const byDefault = lines(r.stdout);
    expect(byDefault).toHaveLength(2);
    for (const l of byDefault) {
      expect(Object.keys(l.probs)).toHaveLength(8);
      expect(Object.values(l.probs).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    }
    const r2 = await runSer(['classify', '--model', 'built-in', '--json', clips[0]!], { env: noDb, cwd: tmp });
    expect(r2.code, r2.stderr).toBe(0);
    expect(lines(r2.stdout)[0]!.probs).toEqual(byDefault[0]!.probs);
  });

  it('classifies a cut copy of a clip with a warning naming the file and how much audio it holds; a whole one has none', async () => {
    const whole = readFileSync(clips[0]!);
    const cut = join(tmp, 'cut.wav');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6))); // the data chunk still claims the whole length
    const env2 = { SER_BUILTIN_MODEL: builtIn, SER_DB: join(tmp, 'absent', 'x.db') };
    const json = await runSer(['classify', '--json', cut, clips[0]!], { env: env2 });
    expect(json.code, json.stderr).toBe(0);
    const [damaged, intact] = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line & { warning?: string });
    expect(damaged!.warning).toMatch(/^truncated: the audio data stops after \d+\.\d\d s, before the length its header declares \(damaged copy\?\); classified what it holds$/);
    expect(Object.values(damaged!.probs).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(intact!.warning).toBeUndefined();
    const text = await runSer(['classify', cut], { env: env2 });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^.*cut\.wav: \w+ \(/);
    expect(text.stderr).toContain(`ser: warning: ${cut}: truncated: the audio data stops after`);
  });

  it('without a built-in model, classify and live stop with one line naming where it was looked for', async () => {
    for (const args of [['classify', clips[0]!], ['live', '--seconds', '1']]) {
      const r = await runSer(args, { env: { ...env, SER_BUILTIN_MODEL: missing } });
      expect(r.code, args[0]).toBe(1);
      expect(r.stderr.trim()).toBe(`ser: no model: train one or reinstall; the built-in model is missing from ${missing} (SER_BUILTIN_MODEL)`);
    }
  });
});

describe('the live service chooses the built-in model when nothing is chosen', () => {
  let services: Services;
  const saved = process.env.SER_BUILTIN_MODEL;

  beforeAll(() => {
    process.env.SER_BUILTIN_MODEL = builtIn;
    services = createServices({ transport: 'http', dbPath: db, dataDir: env.SER_DATA_DIR });
  });
  afterAll(async () => {
    await services.close();
    if (saved === undefined) delete process.env.SER_BUILTIN_MODEL;
    else process.env.SER_BUILTIN_MODEL = saved;
  });

  it('no choice → built-in, even with a finished run; an explicit run or built-in wins', () => {
    expect(services.live.chooseModel()).toMatchObject({ kind: 'built-in', dir: builtIn, runId: null, label: expect.stringMatching(/built-in/) });
    expect(runModelDir.startsWith(join(env.SER_DATA_DIR, 'models', `run-${runId}-`))).toBe(true); // keyed by the run's uuid (artifacts.ts)
    expect(services.live.chooseModel({ runId })).toMatchObject({ kind: 'run', runId, dir: runModelDir });
    expect(services.live.chooseModel({ builtIn: true })).toMatchObject({ kind: 'built-in', dir: builtIn });
    expect(() => parseInput('startLive', { runId, builtIn: true })).toThrow(/choose one model: a run, an ensemble or the built-in model/);
  });

  it('listModels: the built-in model first with its card, then the run', async () => {
    const list = (await services.handlers.listModels(undefined)) as ModelList;
    expect(list.builtInMissing).toBeNull();
    expect(list.models.map((m) => [m.kind, m.label])).toEqual([['built-in', BUILTIN_MODEL_LABEL], ['run', expect.stringMatching(new RegExp(`^#${runId} `))]]);
    expect(list.models[0]!.card).toEqual(CARD);
    expect(list.models[1]).toMatchObject({ runId, splitKind: 'random', card: null });
  });

  it('with no built-in model installed: the newest run, and the list says where the built-in one was looked for', async () => {
    process.env.SER_BUILTIN_MODEL = missing;
    try {
      expect(services.live.chooseModel()).toMatchObject({ kind: 'run', runId });
      expect(() => services.live.chooseModel({ builtIn: true })).toThrow(`the built-in model is missing from ${missing}`);
      const list = (await services.handlers.listModels(undefined)) as ModelList;
      expect(list.models.map((m) => m.kind)).toEqual(['run']);
      expect(list.builtInMissing).toMatch(/^no model: train one or reinstall; the built-in model is missing from /);
    } finally {
      process.env.SER_BUILTIN_MODEL = builtIn;
    }
  });
});
