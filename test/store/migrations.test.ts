import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SerError } from '../../electron/shared/errors.js';
import { migrate } from '../../electron/engine/store/connection.js';
import { APPLICATION_ID, LATEST_VERSION, migrations } from '../../electron/engine/store/migrations.js';
import { openStore } from '../../electron/engine/store/store.js';

const dir = mkdtempSync(join(tmpdir(), 'ser-store-mig-'));
let n = 0;
const fresh = () => join(dir, `db${++n}.db`);
const stores: Array<{ close(): void }> = [];
afterAll(() => stores.forEach((s) => s.close()));

function expectSerError(fn: () => unknown, code: string): SerError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SerError);
    expect((err as SerError).code).toBe(code);
    return err as SerError;
  }
  throw new Error(`expected SerError('${code}')`);
}

describe('migrations', () => {
  it('are numbered 1..N in order', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(LATEST_VERSION).toBe(migrations.length);
  });

  it('bring an empty database to the latest version with WAL, foreign keys and our application id', () => {
    const path = fresh();
    const store = openStore(path);
    stores.push(store);
    expect(store.schemaVersion).toBe(LATEST_VERSION);
    store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
    expect(tables).toEqual(
      expect.arrayContaining(['datasets', 'dataset_files', 'runs', 'run_tags', 'epochs', 'evaluations', 'models', 'live_sessions', 'live_predictions', 'store_clients', 'run_groups', 'sweeps', 'sweep_trials', 'ensembles']),
    );
    db.close();
  });

  it('upgrade a version-1 database and keep its rows', () => {
    const path = fresh();
    // A v1 file as the first release would have left it: only migration 1, with data in it.
    const v1 = new Database(path);
    v1.pragma('journal_mode = WAL');
    expect(migrate(v1, 1)).toBe(1);
    const now = Date.now();
    v1.prepare("INSERT INTO datasets (id, name, root, format, fingerprint, created_at, updated_at) VALUES (1, 'ravdess', '/data/r', 'ravdess', 'fp1', ?, ?)").run(now, now);
    v1.prepare("INSERT INTO dataset_files (dataset_id, path, label, speaker, vocal_channel, content_hash, duration_sec) VALUES (1, 'a.wav', 4, '03', 'speech', 'h', 3.5)").run();
    v1.prepare(
      `INSERT INTO runs (id, name, status, config, seed, split, dataset_id, dataset_fingerprint, backend, app_version, created_at, started_at, ended_at, pid)
       VALUES (7, 'old run', 'completed', '{"lr":0.001}', 3, '{"trainSpeakers":["01"],"valSpeakers":["02"],"testSpeakers":["03"]}', 1, 'fp1', 'cpu', '0.0.9', ?, ?, ?, 1)`,
    ).run(now - 5000, now - 4000, now - 1000);
    v1.prepare("INSERT INTO run_tags (run_id, tag) VALUES (7, 'legacy')").run();
    v1.prepare('INSERT INTO epochs (run_id, epoch, train_loss, train_accuracy, val_loss, val_accuracy, created_at) VALUES (7, 0, 1.5, 0.4, 1.6, 0.35, ?)').run(now);
    v1.prepare('INSERT INTO epochs (run_id, epoch, train_loss, train_accuracy, val_loss, val_accuracy, created_at) VALUES (7, 1, 1.1, 0.5, 1.2, 0.45, ?)').run(now);
    v1.close();

    const store = openStore(path);
    stores.push(store);
    expect(store.schemaVersion).toBe(LATEST_VERSION);
    const run = store.runs.require(7);
    expect(run).toMatchObject({ name: 'old run', status: 'completed', config: { lr: 0.001 }, seed: 3, tags: ['legacy'], appVersion: '0.0.9' });
    expect(run.split?.testSpeakers).toEqual(['03']);
    expect(store.runs.epochs(7).map((e) => e.valAccuracy)).toEqual([0.35, 0.45]);
    expect(store.datasets.files(1)).toMatchObject([{ path: 'a.wav', label: 4, speaker: '03', durationSec: 3.5 }]);
    const [summary] = store.runs.list();
    expect(summary).toMatchObject({ id: 7, epochsDone: 2, bestValAccuracy: 0.45, durationMs: 3000 });
    // The tables added after v1 work.
    const session = store.live.createSession({ runId: 7 });
    expect(session.runId).toBe(7);
    expect(store.integrityCheck()).toBe('ok');
  });

  it('6 gives new runs a uuid (the key of their folders) and leaves earlier runs and their stored model paths as they were', () => {
    const path = fresh();
    const v5 = new Database(path);
    v5.pragma('journal_mode = WAL');
    expect(migrate(v5, 5)).toBe(5);
    v5.prepare("INSERT INTO runs (id, name, status, config, app_version, created_at) VALUES (1, 'before', 'interrupted', '{}', '0.1.0', 1)").run();
    v5.prepare("INSERT INTO models (run_id, kind, path, created_at) VALUES (1, 'checkpoint', '/data/runs/1/checkpoint', 1)").run();
    v5.close();

    const store = openStore(path);
    stores.push(store);
    expect(store.runs.require(1).uuid).toBeNull();
    expect(store.models.listForRun(1).map((m) => m.path)).toEqual(['/data/runs/1/checkpoint']);
    const a = store.runs.create({ name: 'after', config: {} });
    const b = store.runs.create({ name: 'after too', config: {} });
    expect(a.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(b.uuid).not.toBe(a.uuid);
  });

  it('10 adds the ensembles table and live_sessions.ensemble_id to a version-9 database, keeping its sessions', () => {
    const path = fresh();
    const v9 = new Database(path);
    v9.pragma('journal_mode = WAL');
    expect(migrate(v9, 9)).toBe(9);
    v9.prepare("INSERT INTO runs (id, name, status, config, app_version, created_at) VALUES (1, 'r', 'completed', '{}', '0.1.0', 1)").run();
    v9.prepare("INSERT INTO live_sessions (id, run_id, device, config, started_at) VALUES (5, 1, 'mic', '{\"builtIn\":true}', 2)").run();
    const before = (v9.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as Array<{ name: string }>).map((r) => r.name);
    expect(before).not.toContain('ensembles');
    v9.close();

    const store = openStore(path);
    stores.push(store);
    expect(store.schemaVersion).toBe(LATEST_VERSION);
    expect(store.live.getSession(5)).toMatchObject({ runId: 1, ensembleId: null, device: 'mic', config: { builtIn: true } });
    const e = store.ensembles.create({ name: 'seeds', path: '/m/ens', members: [{ runId: 1, dir: '/m/a' }, { runId: null, dir: '/m/b' }] });
    const s = store.live.createSession({ ensembleId: e.id });
    expect(store.live.getSession(s.id)?.ensembleId).toBe(e.id);
    // Deleting the ensemble's record keeps the session, without the link.
    expect(store.ensembles.delete(e.id)).toBe(true);
    expect(store.live.getSession(s.id)?.ensembleId).toBeNull();
    store.close();

    // The CHECK holds below the repository too: members must be JSON.
    const db = new Database(path);
    expect(() => db.prepare("INSERT INTO ensembles (name, path, members, app_version, created_at) VALUES ('x', '/x', '[{not json', '0', 1)").run()).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare("INSERT INTO ensembles (name, path, app_version, created_at) VALUES ('x', '/x', '0', 1)").run()).toThrow(/NOT NULL/);
    db.close();
  });

  it('refuse a database from a newer app and leave the file byte-for-byte unchanged', () => {
    const path = fresh();
    const s = openStore(path);
    s.runs.create({ name: 'r', config: {} });
    s.close();
    const db = new Database(path);
    db.pragma(`user_version = ${LATEST_VERSION + 5}`);
    db.close(); // last connection: checkpoints and removes the WAL, so the main file is the whole story
    expect(existsSync(`${path}-wal`)).toBe(false);
    const before = readFileSync(path);

    const err = expectSerError(() => openStore(path), 'db-newer');
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/newer version/);
    expect(err.message).toContain(String(LATEST_VERSION + 5));

    expect(readFileSync(path).equals(before)).toBe(true);
    expect(existsSync(`${path}-wal`)).toBe(false);
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(LATEST_VERSION + 5);
    check.close();
  });

  it('see a newer version that is still only in the WAL', () => {
    const path = fresh();
    openStore(path).close();
    const holder = new Database(path);
    holder.pragma('wal_autocheckpoint = 0');
    holder.pragma(`user_version = ${LATEST_VERSION + 1}`); // committed to the WAL, not the main file
    try {
      expect(readFileSync(path).readUInt32BE(60)).toBe(LATEST_VERSION);
      expectSerError(() => openStore(path), 'db-newer');
    } finally {
      holder.close();
    }
  });

  it('refuse files that are not ours', () => {
    const text = fresh();
    writeFileSync(text, 'not a database at all, just some text that is long enough to have a header'.repeat(3));
    expectSerError(() => openStore(text), 'corrupt');

    const foreign = fresh();
    const db = new Database(foreign);
    db.exec('CREATE TABLE notes (x TEXT)');
    db.close();
    const before = readFileSync(foreign);
    expectSerError(() => openStore(foreign), 'unsupported');
    expect(readFileSync(foreign).equals(before)).toBe(true);

    const otherApp = fresh();
    const db2 = new Database(otherApp);
    db2.pragma('application_id = 1234');
    db2.close();
    expectSerError(() => openStore(otherApp), 'unsupported');
  });

  it('do not create a file when told it must exist', () => {
    const path = fresh();
    expectSerError(() => openStore(path, { mustExist: true }), 'not-found');
    expect(existsSync(path)).toBe(false);
    expectSerError(() => openStore(join(dir, 'no-such-folder', 'x.db')), 'io');
  });

  it('index the queries a UI makes (no full scans or temp sorts)', () => {
    const path = fresh();
    const s = openStore(path);
    stores.push(s);
    s.close();
    const db = new Database(path, { readonly: true });
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
    const runsList = plan('SELECT id FROM runs r ORDER BY coalesce(r.started_at, r.created_at) DESC, r.id DESC LIMIT 50');
    expect(runsList).toContain('runs_by_recency');
    expect(runsList).not.toContain('TEMP B-TREE');
    expect(plan('SELECT * FROM epochs WHERE run_id = 1 ORDER BY epoch')).not.toMatch(/SCAN epochs|TEMP B-TREE/);
    expect(plan("SELECT * FROM evaluations WHERE run_id = 1 AND split = 'test' ORDER BY id")).toContain('evaluations_by_run');
    expect(plan('SELECT * FROM models WHERE run_id = 1 ORDER BY id')).toContain('models_by_run');
    expect(plan('SELECT * FROM live_predictions WHERE session_id = 1 AND t >= 0 ORDER BY t')).toContain('live_predictions_by_session');
    expect(plan('SELECT * FROM ensembles ORDER BY created_at DESC, id DESC')).toContain('ensembles_by_recency');
    expect(plan("SELECT id FROM runs WHERE status IN ('queued','running')")).toContain('runs_live');
    expect(plan('SELECT * FROM dataset_files WHERE dataset_id = 1 AND label = 3')).toContain('dataset_files_by_label');
    db.close();
  });
});
