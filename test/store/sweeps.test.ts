/** Sweeps in the store: created with their trials in one go, trials updated as they run, cancel requests, epochs of a retried trial forgotten, crash recovery. */
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EMOTIONS } from '../../electron/shared/labels.js';
import { openStore, type Store } from '../../electron/engine/store/store.js';

const dir = mkdtempSync(join(tmpdir(), 'ser-store-sweeps-'));
let n = 0;
let path: string;
let store: Store;
beforeEach(() => {
  path = join(dir, `s${++n}.db`);
  store = openStore(path);
});
afterEach(() => store.close());

const trials = [
  { recipe: 0, params: { lr: 0.01 }, fold: 0 },
  { recipe: 0, params: { lr: 0.01 }, fold: 1 },
  { recipe: 1, params: { lr: 0.001 }, fold: 0 },
  { recipe: 1, params: { lr: 0.001 }, fold: 1 },
];

describe('sweeps', () => {
  it('are recorded with their trials, which then carry their worker, run, attempts and status', () => {
    const s = store.sweeps.create({ name: ' lr sweep ', space: { grid: { lr: [0.01, 0.001] } }, config: { epochs: 1 }, folds: 2, trials });
    expect(s).toMatchObject({ name: 'lr sweep', status: 'running', folds: 2, queue: null, space: { grid: { lr: [0.01, 0.001] } }, pid: process.pid });
    const ts = store.sweeps.trials(s.id);
    expect(ts.map((t) => [t.recipe, t.fold, t.params, t.status, t.attempts])).toEqual(trials.map((t) => [t.recipe, t.fold, t.params, 'queued', 0]));
    const run = store.runs.create({ name: 'trial', config: {}, status: 'running' });
    expect(store.sweeps.updateTrial(ts[0]!.id, { status: 'running', worker: 'box:12', runId: run.id, attempts: 1 })).toMatchObject({ status: 'running', worker: 'box:12', runId: run.id, attempts: 1 });
    expect(() => store.sweeps.updateTrial(ts[0]!.id, { status: 'bogus' as never })).toThrow(/unknown trial status/);
    expect(store.sweeps.setStatus(s.id, 'cancelled').endedAt).not.toBeNull();
    expect(store.sweeps.list().map((x) => x.id)).toEqual([s.id]);
    expect(() => store.sweeps.require(99)).toThrow(/no sweep with id 99/);
  });

  it('refuse a sweep without trials, or a trial outside the folds, recording nothing', () => {
    expect(() => store.sweeps.create({ name: 'x', space: {}, config: {}, folds: 1, trials: [] })).toThrow(/at least one trial/);
    expect(() => store.sweeps.create({ name: 'x', space: {}, config: {}, folds: 2, trials: [{ recipe: 0, params: {}, fold: 2 }] })).toThrow(/fold is in 0..1/);
    expect(store.sweeps.list()).toEqual([]);
  });

  it('a trial started again forgets its run\'s epochs from the epoch it restarts at', () => {
    const run = store.runs.create({ name: 'trial', config: {}, status: 'running' });
    for (const epoch of [0, 1, 2]) {
      store.runs.addEpoch(run.id, { epoch, trainLoss: 1, trainAccuracy: 0.5, valAccuracy: 0.4 });
      store.evaluations.add({ runId: run.id, split: 'val', epoch, accuracy: 0.4, uar: 0.4, macroF1: 0.3, weightedF1: 0.3, confusion: EMOTIONS.map(() => EMOTIONS.map(() => 1)), perClass: EMOTIONS.map((label) => ({ label, precision: 0, recall: 0, f1: 0, support: 8 })) });
      store.models.add({ runId: run.id, kind: 'best', path: `/x/${epoch}`, epoch });
    }
    store.runs.dropEpochsFrom(run.id, 1);
    expect(store.runs.epochs(run.id).map((e) => e.epoch)).toEqual([0]);
    expect(store.evaluations.listForRun(run.id, 'val').map((e) => e.epoch)).toEqual([0]);
    expect(store.models.listForRun(run.id).map((m) => m.epoch)).toEqual([0]);
  });

  it('a cancel request is kept on a running sweep only, and forgotten when the sweep runs again', () => {
    const s = store.sweeps.create({ name: 'c', space: {}, config: {}, folds: 1, trials: [{ recipe: 0, params: {}, fold: 0 }] });
    expect(s.cancelRequestedAt).toBeNull();
    expect(store.sweeps.requestCancel(s.id)).toBe(true);
    const first = store.sweeps.require(s.id).cancelRequestedAt;
    expect(first).not.toBeNull();
    expect(store.sweeps.requestCancel(s.id)).toBe(true);
    expect(store.sweeps.require(s.id).cancelRequestedAt).toBe(first); // the first request's time stays
    store.sweeps.setStatus(s.id, 'cancelled');
    expect(store.sweeps.requestCancel(s.id)).toBe(false); // nobody drives it: nothing to ask
    expect(store.sweeps.setStatus(s.id, 'running').cancelRequestedAt).toBeNull();
    expect(() => store.sweeps.requestCancel(99)).toThrow(/no sweep with id 99/);
    expect(store.sweeps.setQueue(s.id, 'redis://127.0.0.1:6379/0').queue).toBe('redis://127.0.0.1:6379/0');
  });

  it('a sweep whose owner died is interrupted on open', () => {
    const mine = store.sweeps.create({ name: 'mine', space: {}, config: {}, folds: 1, trials: [{ recipe: 0, params: {}, fold: 0 }] });
    const db = new Database(path);
    const dead = Number(
      db
        .prepare("INSERT INTO sweeps (name, status, space, config, folds, app_version, created_at, started_at, pid, host) VALUES ('dead', 'running', '{}', '{}', 1, '0', ?, ?, ?, ?)")
        .run(Date.now(), Date.now(), 2 ** 22 + 12345, hostname()).lastInsertRowid,
    );
    db.close();
    const other = openStore(path);
    try {
      expect(other.sweepsInterruptedOnOpen).toEqual([dead]);
      expect(other.sweeps.require(mine.id).status).toBe('running');
    } finally {
      other.close();
    }
  });
});
