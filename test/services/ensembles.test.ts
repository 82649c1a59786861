/**
 * Ensembles in the app, on a real database with real tiny models: two `ser train` runs (1 epoch on generated audio,
 * a few seconds each) and a "built-in" model (a copy of run 1's export, SER_BUILTIN_MODEL). Through the router the
 * IPC and HTTP front doors share: makeEnsemble builds the runs' exports into the data folder (on its worker) and
 * records it; listModels lists built-in, ensembles (newest first, only those whose folder is there), then runs;
 * chooseModel with the ensemble's id gives its folder; a kept live session links to it; deleteEnsemble removes the
 * record, and the folder only when the app made it.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouter, parseInput } from '../../electron/server/router.js';
import { createServices, type Services } from '../../electron/services/index.js';
import { SessionKeeper } from '../../electron/services/liveKeeper.js';
import { BUILTIN_MODEL_LABEL } from '../../electron/engine/training/builtinModel.js';
import type { EnsembleDeleteResult, LiveSessionRow, ModelChoice, ModelList } from '../../electron/contract/types.js';
import { runSer } from '../helpers/ser.js';
import { textureDataset } from '../helpers/toneDataset.js';

const tmp = mkdtempSync(join(tmpdir(), 'ser-ensembles-service-'));
const data = join(tmp, 'texture');
const db = join(tmp, 'experiments.db');
const dataDir = join(tmp, 'data');
const builtIn = join(tmp, 'builtin-model');
const env = { SER_DATA_DIR: dataDir, SER_DB: db };
const runs: Array<{ runId: number; modelDir: string }> = [];
const savedBuiltIn = process.env.SER_BUILTIN_MODEL;
let services: Services;
let router: ReturnType<typeof createRouter>;

/** A method through the router: the value, or the error as data. */
async function call<T>(method: string, input: unknown): Promise<T> {
  const r = await router.call(method, input);
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.value as T;
}

beforeAll(async () => {
  textureDataset(data, 2, 2);
  for (const seed of ['1', '2']) {
    const r = await runSer(
      ['train', '--data', data, '--epochs', '1', '--split', 'random', '--seed', seed, '--batch-size', '8', '--augment-copies', '0', '--workers', '1', '--model', '{"filters":[4,4,4,4],"lstmUnits":8}', '--json'],
      { env, timeoutMs: 120_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    runs.push(JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { runId: number; modelDir: string });
  }
  cpSync(runs[0]!.modelDir, builtIn, { recursive: true });
  process.env.SER_BUILTIN_MODEL = builtIn;
  services = createServices({ transport: 'http', dbPath: db, dataDir });
  router = createRouter(services.handlers);
}, 240_000);

afterAll(async () => {
  await services?.close();
  if (savedBuiltIn === undefined) delete process.env.SER_BUILTIN_MODEL;
  else process.env.SER_BUILTIN_MODEL = savedBuiltIn;
  rmSync(tmp, { recursive: true, force: true });
});

describe('ensembles from the app', () => {
  let made: ModelChoice;
  /** One made by `ser ensemble --out` outside the data folder: the user's folder. */
  let cliId = 0;
  const cliOut = join(tmp, 'mine');

  it('makeEnsemble combines the runs’ exports into <data folder>/models/ensemble-<uuid> and returns it as the picker lists it', async () => {
    const [a, b] = runs.map((r) => r.runId) as [number, number];
    made = await call<ModelChoice>('makeEnsemble', { runIds: [b, a], name: ' pair ' });
    expect(made).toMatchObject({ kind: 'ensemble', runId: null, ensembleId: expect.any(Number), label: `ensemble #${made.ensembleId} "pair" (2 models)`, card: null, testAccuracy: null });
    expect(made.dir).toMatch(new RegExp(`^${join(dataDir, 'models')}/ensemble-[0-9a-f-]{36}$`));
    expect(readdirSync(made.dir).sort()).toEqual(['metadata.json', 'model.json', 'weights.bin']);
    // In the order given: run b's scaler is the ensemble's.
    const meta = JSON.parse(readFileSync(join(made.dir, 'metadata.json'), 'utf8')) as { ensemble: { members: Array<{ runId: number; dir: string }> } };
    expect(meta.ensemble.members.map((m) => m.runId)).toEqual([b, a]);
    expect(services.ctx.store.ensembles.require(made.ensembleId!)).toMatchObject({ name: 'pair', path: made.dir, members: [{ runId: b, dir: runs[1]!.modelDir }, { runId: a, dir: runs[0]!.modelDir }] });
    // A real model: `ser classify --model ensemble:<id>` on the same database classifies with it.
    const c = await runSer(['classify', '--model', `ensemble:${made.ensembleId}`, join(data, 'Actor_01/03-01-01-01-01-01-01.wav'), '--json'], { env });
    expect(c.code, c.stderr).toBe(0);
    const probs = Object.values((JSON.parse(c.stdout) as { probs: Record<string, number> }).probs);
    expect(probs.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
  });

  it('refuses fewer than 2, more than 8 or repeated runs, and a run without an exported model, before building anything', async () => {
    const [a] = runs.map((r) => r.runId) as [number];
    expect(() => parseInput('makeEnsemble', { runIds: [a] })).toThrow(/at least two runs/);
    expect(() => parseInput('makeEnsemble', { runIds: [a, a] })).toThrow(/each run at most once/);
    expect(() => parseInput('makeEnsemble', { runIds: [1, 2, 3, 4, 5, 6, 7, 8, 9] })).toThrow(/at most 8/);
    expect(() => parseInput('makeEnsemble', { runIds: [1, 2], name: '' })).toThrow(/name/);
    const queued = services.ctx.store.runs.create({ name: 'never trained', config: {} });
    await expect(call('makeEnsemble', { runIds: [a, queued.id] })).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining(`run ${queued.id} ("never trained") has no exported model`) });
    await expect(call('makeEnsemble', { runIds: [a, 999] })).rejects.toMatchObject({ code: 'not-found', message: 'no run with id 999' });
    services.ctx.store.runs.setStatus(queued.id, 'cancelled');
    services.ctx.store.runs.delete(queued.id);
    expect(services.ctx.store.ensembles.list()).toHaveLength(1);
    expect(readdirSync(join(dataDir, 'models')).filter((d) => d.startsWith('ensemble-'))).toHaveLength(1);
  });

  it('listModels: the built-in model, then ensembles newest first (not one whose folder is gone), then runs newest first', async () => {
    const cli = await runSer(['ensemble', '--model', `${runs[0]!.runId},${runs[1]!.runId}`, '--out', cliOut, '--name', 'from the shell', '--json'], { env });
    expect(cli.code, cli.stderr).toBe(0);
    cliId = (JSON.parse(cli.stdout) as { ensembleId: number }).ensembleId;
    const gone = await runSer(['ensemble', '--model', `${runs[0]!.runId},${runs[1]!.runId}`, '--out', join(tmp, 'gone'), '--json'], { env });
    expect(gone.code, gone.stderr).toBe(0);
    rmSync(join(tmp, 'gone'), { recursive: true });

    const list = await call<ModelList>('listModels', {});
    expect(list.models.map((m) => [m.kind, m.label])).toEqual([
      ['built-in', BUILTIN_MODEL_LABEL],
      ['ensemble', `ensemble #${cliId} "from the shell" (2 models)`],
      ['ensemble', made.label],
      ['run', expect.stringMatching(new RegExp(`^#${runs[1]!.runId} `))],
      ['run', expect.stringMatching(new RegExp(`^#${runs[0]!.runId} `))],
    ]);
    expect(list.models.map((m) => m.ensembleId)).toEqual([null, cliId, made.ensembleId, null, null]);
    expect(list.models[2]).toEqual(made);
  });

  it('chooseModel / startLive: the ensemble’s id gives its folder; one model at a time; a deleted folder is named', () => {
    expect(services.live.chooseModel({ ensembleId: made.ensembleId! })).toMatchObject({ kind: 'ensemble', ensembleId: made.ensembleId, runId: null, modelId: null, dir: made.dir, label: made.label });
    expect(services.live.chooseModel({ ensembleId: cliId })).toMatchObject({ kind: 'ensemble', dir: cliOut });
    expect(services.live.chooseModel()).toMatchObject({ kind: 'built-in', ensembleId: null });
    expect(parseInput('startLive', { ensembleId: String(made.ensembleId) })).toEqual({ ensembleId: made.ensembleId });
    expect(() => parseInput('startLive', { ensembleId: made.ensembleId, runId: runs[0]!.runId })).toThrow(/choose one model/);
    expect(() => parseInput('startLive', { ensembleId: made.ensembleId, builtIn: true })).toThrow(/choose one model/);
    expect(() => services.live.chooseModel({ ensembleId: 999 })).toThrow(`no ensemble with id 999 in ${services.ctx.store.path}`);
    const goneId = services.ctx.store.ensembles.list().find((e) => e.path === join(tmp, 'gone'))!.id;
    expect(() => services.live.chooseModel({ ensembleId: goneId })).toThrow(`its folder ${join(tmp, 'gone')} is gone`);
  });

  it('a kept live session records the ensemble it listened with; the saved-sessions list names it', async () => {
    const keeper = new SessionKeeper(services.ctx.store, { runId: null, modelId: null, ensembleId: made.ensembleId, device: 'test source', config: { modelDir: made.dir } }, true);
    keeper.add({ t: 3, probs: [0.1, 0.1, 0.3, 0.1, 0.1, 0.1, 0.1, 0.1], top: 2, confidence: 0.3, rms: 0.05, voiced: true, latencyMs: 20 });
    keeper.end();
    const [row] = await call<LiveSessionRow[]>('listLiveSessions', {});
    expect(row).toMatchObject({ id: keeper.rowId, ensembleId: made.ensembleId, ensembleName: 'pair', runId: null, builtIn: false, predictionCount: 1, dominant: 'happy' });
  });

  it('startTune takes an ensemble as its base: resolved through the store before the takes are read', async () => {
    expect(() => parseInput('startTune', { speaker: 'ana', runId: runs[0]!.runId, ensembleId: made.ensembleId })).toThrow(/either a run or an ensemble/);
    await expect(call('startTune', { speaker: 'ana', ensembleId: 999 })).rejects.toThrow(/no ensemble with id 999/);
    // A real ensemble resolves, so the tuning goes on to the speaker's takes (none recorded here) and stops there.
    const err = await call('startTune', { speaker: 'ana', ensembleId: made.ensembleId }).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/voice-ana/);
    expect(err?.message).not.toMatch(/no ensemble|ensemble:|its folder/);
    expect(services.ctx.store.runs.list().filter((r) => r.kind === 'tune')).toEqual([]);
  });

  it('deleteEnsemble: the app’s folder goes with the record, a folder given to ser ensemble --out stays; the list and sessions follow', async () => {
    const ours = await call<EnsembleDeleteResult>('deleteEnsemble', { id: made.ensembleId });
    expect(ours).toEqual({ deleted: true, removedFolder: made.dir });
    expect(existsSync(made.dir)).toBe(false);
    const theirs = await call<EnsembleDeleteResult>('deleteEnsemble', { id: String(cliId) });
    expect(theirs).toEqual({ deleted: true, removedFolder: null });
    expect(existsSync(join(cliOut, 'model.json'))).toBe(true);
    await expect(call('deleteEnsemble', { id: made.ensembleId })).rejects.toMatchObject({ code: 'not-found' });

    const list = await call<ModelList>('listModels', {});
    expect(list.models.map((m) => m.kind)).toEqual(['built-in', 'run', 'run']);
    expect(() => services.live.chooseModel({ ensembleId: made.ensembleId! })).toThrow(`no ensemble with id ${made.ensembleId}`);
    const [row] = await call<LiveSessionRow[]>('listLiveSessions', {});
    expect(row).toMatchObject({ ensembleId: null, ensembleName: null, predictionCount: 1 });
    // The runs the ensemble was made of are untouched.
    for (const r of runs) expect(existsSync(join(r.modelDir, 'model.json'))).toBe(true);
  });
});
