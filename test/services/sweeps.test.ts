/**
 * The sweeps service on a real database, without training: the list's counts and best recipe, `show` as
 * `ser sweep show --json` prints it, and cancel — a running sweep is asked (`cancelling`), one whose process is gone
 * is cancelled on the spot with its unfinished trials, a finished one refuses. The same calls back the app's
 * listSweeps / getSweep / cancelSweep, checked here through the router the IPC and HTTP front doors share.
 */
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EMOTIONS } from '../../electron/shared/labels.js';
import { openStore, type Store } from '../../electron/engine/store/store.js';
import { SweepsService } from '../../electron/services/sweeps.js';
import { createServices, type Services } from '../../electron/services/index.js';
import { createRouter } from '../../electron/server/router.js';
import { bestRecipe, bestTrial } from '../../electron/shared/sweepBest.js';

const dir = mkdtempSync(join(tmpdir(), 'ser-sweeps-service-'));
let n = 0;
let path: string;
let store: Store;
let service: SweepsService;
beforeEach(() => {
  path = join(dir, `s${++n}.db`);
  store = openStore(path);
  service = new SweepsService({ store });
});
afterEach(() => store.close());

const confusion = EMOTIONS.map(() => EMOTIONS.map(() => 1));
const perClass = EMOTIONS.map((label) => ({ label, precision: 0, recall: 0, f1: 0, support: 8 }));

/** A sweep of 2 recipes × 2 folds whose first three trials completed with these test UARs; the fourth is queued. */
function sweepWithResults(uars: [number, number, number]) {
  const s = store.sweeps.create({
    name: 'lr',
    space: { grid: { lr: [0.01, 0.001] } },
    config: {},
    folds: 2,
    trials: [
      { recipe: 0, params: { lr: 0.01 }, fold: 0 },
      { recipe: 0, params: { lr: 0.01 }, fold: 1 },
      { recipe: 1, params: { lr: 0.001 }, fold: 0 },
      { recipe: 1, params: { lr: 0.001 }, fold: 1 },
    ],
  });
  const trials = store.sweeps.trials(s.id);
  uars.forEach((uar, i) => {
    const run = store.runs.create({ name: `trial ${i}`, config: {}, status: 'running' });
    store.runs.addEpoch(run.id, { epoch: 0, trainLoss: 1, trainAccuracy: 0.3, valAccuracy: 0.2 + i / 10 });
    store.evaluations.add({ runId: run.id, split: 'test', epoch: 0, accuracy: uar + 0.01, uar, macroF1: 0.1, weightedF1: 0.1, confusion, perClass });
    store.runs.setStatus(run.id, 'completed');
    store.sweeps.updateTrial(trials[i]!.id, { status: 'completed', runId: run.id, worker: 'local', attempts: 1 });
  });
  return { sweep: s, trials };
}

describe('sweeps service', () => {
  it('lists sweeps with their trials counted by status and the best recipe; shows one as ser sweep show --json', () => {
    const { sweep, trials } = sweepWithResults([0.3, 0.5, 0.35]);
    const [row] = service.list();
    expect(row).toMatchObject({ id: sweep.id, name: 'lr', status: 'running', folds: 2, queue: null, trials: 4, counts: { queued: 1, running: 0, completed: 3, failed: 0, cancelled: 0 } });
    expect(row!.best).toMatchObject({ params: { lr: 0.01 }, folds: 2 });
    expect(row!.best!.meanUar).toBeCloseTo(0.4, 12);
    expect(row!.best!.sdUar).toBeCloseTo(Math.abs(0.3 - 0.5) / Math.SQRT2, 12);
    const d = service.show(sweep.id);
    expect(Object.keys(d)).toEqual(['id', 'name', 'status', 'trials', 'summary']);
    expect(d.trials.map((t) => [t.id, t.status, t.uar, t.bestValAccuracy])).toEqual([
      [trials[0]!.id, 'completed', 0.3, 0.2],
      [trials[1]!.id, 'completed', 0.5, 0.30000000000000004],
      [trials[2]!.id, 'completed', 0.35, 0.4],
      [trials[3]!.id, 'queued', null, null],
    ]);
    // One fold of the second recipe: a mean, no sd.
    expect(d.summary[1]).toMatchObject({ params: { lr: 0.001 }, folds: 1, meanUar: 0.35, sdUar: null });
    // "Open best": the best recipe (by mean UAR) and, of its trials, the one with the highest UAR.
    expect(bestRecipe(d.summary)).toBe(d.summary[0]);
    expect(bestTrial(d)).toBe(d.trials[1]);
    expect(bestTrial({ trials: d.trials, summary: [] })).toBeNull();
  });

  it('cancel: a running sweep is asked and shows cancelling; a finished one has nothing to cancel', () => {
    const { sweep } = sweepWithResults([0.3, 0.5, 0.35]);
    expect(service.cancel(sweep.id)).toEqual({ id: sweep.id, status: 'cancelling' });
    expect(service.show(sweep.id).status).toBe('cancelling');
    expect(service.list()[0]!.status).toBe('cancelling');
    expect(store.sweeps.require(sweep.id).status).toBe('running'); // its driver sets cancelled once it has stopped
    store.sweeps.setStatus(sweep.id, 'completed');
    expect(() => service.cancel(sweep.id)).toThrow(`sweep ${sweep.id} is completed; nothing to cancel`);
    expect(() => service.cancel(99)).toThrow(/no sweep with id 99/);
  });

  it('cancel: a sweep whose process died (after this store was opened) is cancelled here, with its unfinished trials', () => {
    const { sweep } = sweepWithResults([0.3, 0.5, 0.35]);
    // As if another process had driven it and died: a pid that is not running.
    const db = new Database(path);
    db.prepare('UPDATE sweeps SET pid = ?, host = ?, pid_start = NULL WHERE id = ?').run(2 ** 22 + 12345, hostname(), sweep.id);
    db.close();
    expect(store.sweeps.require(sweep.id).status).toBe('running'); // this store has not looked since it opened
    expect(service.cancel(sweep.id)).toEqual({ id: sweep.id, status: 'cancelled' });
    expect(service.show(sweep.id).trials.map((t) => t.status)).toEqual(['completed', 'completed', 'completed', 'cancelled']);
    expect(service.cancel(sweep.id)).toEqual({ id: sweep.id, status: 'cancelled' });
  });
});

describe('listSweeps, getSweep, cancelSweep through the shared router', () => {
  let services: Services;
  beforeEach(() => {
    services = createServices({ dbPath: join(dir, `api${++n}.db`), dataDir: join(dir, 'data'), transport: 'http' });
  });
  afterEach(() => services.close());

  it('validate their input, call the service and map its errors', async () => {
    const router = createRouter(services.handlers);
    expect(await router.call('listSweeps', {})).toEqual({ ok: true, value: [] });
    const s = services.ctx.store.sweeps.create({ name: 'api', space: {}, config: {}, folds: 1, trials: [{ recipe: 0, params: { lr: 0.01 }, fold: 0 }] });
    const got = await router.call('getSweep', { id: String(s.id) }); // path and query fields arrive as strings
    expect(got).toMatchObject({ ok: true, value: { id: s.id, name: 'api', status: 'running', summary: [{ params: { lr: 0.01 }, folds: 0, meanUar: null }] } });
    expect(await router.call('cancelSweep', { id: s.id })).toEqual({ ok: true, value: { id: s.id, status: 'cancelling' } });
    expect(await router.call('getSweep', { id: 0 })).toMatchObject({ ok: false, error: { code: 'bad-input' } });
    expect(await router.call('getSweep', { id: 42 })).toMatchObject({ ok: false, error: { code: 'not-found', message: 'no sweep with id 42' } });
    expect(await router.call('cancelSweep', { id: s.id, force: true })).toMatchObject({ ok: false, error: { code: 'bad-input' } });
  });
});
