/** Run groups (cross-validation) in the store: lifecycle, fold runs, crash recovery. */
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SerError } from '../../electron/shared/errors.js';
import { openStore, type Store } from '../../electron/engine/store/store.js';
import type { CvSummary } from '../../electron/engine/store/types.js';

const dir = mkdtempSync(join(tmpdir(), 'ser-store-groups-'));
let n = 0;
let path: string;
let store: Store;
beforeEach(() => {
  path = join(dir, `g${++n}.db`);
  store = openStore(path);
});
afterEach(() => store.close());

describe('run groups', () => {
  it('hold fold runs, move through their lifecycle, keep a summary', () => {
    const g = store.groups.create({ kind: 'cv', name: ' dev cv ', config: { folds: 2 }, folds: 2 });
    expect(g).toMatchObject({ kind: 'cv', name: 'dev cv', status: 'running', folds: 2, config: { folds: 2 }, summary: null, pid: process.pid });
    const a = store.runs.create({ name: 'fold 1', config: {}, status: 'running', group: { groupId: g.id, fold: 0 } });
    const b = store.runs.create({ name: 'fold 2', config: {}, group: { groupId: g.id, fold: 1 } });
    store.runs.create({ name: 'lone', config: {} });
    expect(a).toMatchObject({ groupId: g.id, fold: 0 });
    expect(store.runs.list({ groupId: g.id }).map((r) => [r.id, r.fold]).sort()).toEqual([[a.id, 0], [b.id, 1]]);
    expect(store.runs.list().find((r) => r.name === 'lone')).toMatchObject({ groupId: null, fold: null });
    expect(() => store.runs.create({ name: 'x', config: {}, group: { groupId: 999, fold: 0 } })).toThrow(SerError);

    expect(store.groups.setStatus(g.id, 'interrupted').endedAt).not.toBeNull();
    expect(store.groups.setStatus(g.id, 'running')).toMatchObject({ status: 'running', endedAt: null });
    const summary: CvSummary = {
      folds: 2,
      perFold: [],
      mean: { accuracy: 0.5, uar: 0.5, macroF1: 0.4 },
      sd: { accuracy: 0.1, uar: 0.1, macroF1: 0.1 },
      pooled: { accuracy: 0.5, uar: 0.5, macroF1: 0.4, confusion: [] },
    };
    store.groups.update(g.id, { summary });
    expect(store.groups.setStatus(g.id, 'completed')).toMatchObject({ status: 'completed', summary });
    expect(() => store.groups.setStatus(g.id, 'running')).toThrow(/completed and cannot become running/);
    expect(store.groups.list().map((x) => x.id)).toEqual([g.id]);
    expect(() => store.groups.require(42)).toThrow(/no run group with id 42/);
  });

  it('a group whose owner died is interrupted on open; the one this process drives is not', () => {
    const mine = store.groups.create({ kind: 'cv', name: 'mine', config: {}, folds: 3 });
    const db = new Database(path);
    const dead = Number(
      db
        .prepare("INSERT INTO run_groups (kind, name, status, config, folds, app_version, created_at, started_at, pid, host) VALUES ('cv', 'dead', 'running', '{}', 2, '0', ?, ?, ?, ?)")
        .run(Date.now(), Date.now(), 2 ** 22 + 12345, hostname()).lastInsertRowid,
    );
    db.close();
    const other = openStore(path);
    try {
      expect(other.groupsInterruptedOnOpen).toEqual([dead]);
      expect(other.groups.require(dead)).toMatchObject({ status: 'interrupted', error: expect.stringMatching(/stopped without finishing/) });
      expect(other.groups.require(mine.id).status).toBe('running');
      expect(other.groups.isDriven(mine.id)).toBe(true);
      expect(other.groups.isDriven(dead)).toBe(false);
    } finally {
      other.close();
    }
  });
});
