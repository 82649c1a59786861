/**
 * Which files the store opens: its own (marked with PRAGMA application_id, or unmarked from an early version), new
 * ones (absent, zero bytes, or an empty SQLite file) — and nothing else. A refused file is byte-identical afterwards
 * and gets no -wal/-shm/-journal beside it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SerError } from '../../electron/shared/errors.js';
import { migrate } from '../../electron/engine/store/connection.js';
import { APPLICATION_ID, LATEST_VERSION } from '../../electron/engine/store/migrations.js';
import { openStore } from '../../electron/engine/store/store.js';
import { runSer } from '../helpers/ser.js';

const dir = mkdtempSync(join(tmpdir(), 'ser-store-identity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** Each case in its own folder, so "nothing created beside it" is a listing. */
const fresh = (name = 'x.db') => join(mkdtempSync(join(dir, 'case-')), name);
const folderOf = (p: string) => readdirSync(join(p, '..')).sort();
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

function refusal(path: string, code: string): SerError {
  try {
    openStore(path).close();
  } catch (err) {
    expect(err).toBeInstanceOf(SerError);
    expect((err as SerError).code).toBe(code);
    return err as SerError;
  }
  throw new Error(`expected ${path} to be refused with '${code}'`);
}

/** Another program's database: user_version 2, its own tables and rows, as such apps leave it. */
function foreignDb(path: string, opts: { wal?: boolean; tables?: string[] } = {}): void {
  const db = new Database(path);
  if (opts.wal) db.pragma('journal_mode = WAL');
  for (const t of opts.tables ?? ['notes']) {
    db.exec(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, body TEXT)`);
    db.prepare(`INSERT INTO ${t} (body) VALUES (?)`).run(`a row of ${t}`);
  }
  db.pragma('user_version = 2');
  db.close(); // the last connection checkpoints and removes -wal/-shm
}

function expectUntouched(path: string, run: () => SerError): SerError {
  const listing = folderOf(path);
  const before = sha(path);
  const err = run();
  expect(sha(path)).toBe(before);
  expect(folderOf(path)).toEqual(listing); // no -wal, -shm or -journal created
  expect(err.message).toContain(path);
  expect(err.message).not.toContain('\n');
  return err;
}

describe('the store refuses files that are not its own, without writing to them', () => {
  it("another program's database with user_version 2 (rollback journal) stays byte-identical", () => {
    const path = fresh('other-app.db');
    foreignDb(path);
    expect(folderOf(path)).toEqual([basename(path)]);
    const err = expectUntouched(path, () => refusal(path, 'unsupported'));
    expect(err.message).toMatch(/not a Vox Affect database .*user_version 2, tables notes.*left untouched/);
    // Refused again the same way: nothing was half-done the first time.
    expectUntouched(path, () => refusal(path, 'unsupported'));
  });

  it("another program's WAL-mode database stays byte-identical and gets no -wal/-shm", () => {
    const path = fresh('other-app-wal.db');
    foreignDb(path, { wal: true });
    expect(readFileSync(path)[18]).toBe(2); // WAL mode in the header
    expectUntouched(path, () => refusal(path, 'unsupported'));
  });

  it('a database that has a runs table but not the rest of the schema its user_version implies is not ours', () => {
    const path = fresh();
    foreignDb(path, { tables: ['runs', 'datasets'] });
    expectUntouched(path, () => refusal(path, 'unsupported'));
  });

  it("another program's application id is refused from the header alone", () => {
    const path = fresh();
    const db = new Database(path);
    db.exec('CREATE TABLE runs (id INTEGER PRIMARY KEY)');
    db.pragma('application_id = 1234');
    db.close();
    const err = expectUntouched(path, () => refusal(path, 'unsupported'));
    expect(err.message).toContain('0x000004d2');
  });

  it("`ser runs --db <another program's database>` exits 1 with one line naming the file, and leaves it as it was", async () => {
    const path = fresh('their.db');
    foreignDb(path, { wal: true });
    const listing = folderOf(path);
    const before = sha(path);
    const r = await runSer(['runs', '--db', path]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(new RegExp(`^ser: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a Vox Affect database \\(`));
    expect(sha(path)).toBe(before);
    expect(folderOf(path)).toEqual(listing);
  });

  it('a non-empty file that is not SQLite is refused with one line naming it, unchanged', () => {
    const text = fresh('notes.db');
    writeFileSync(text, 'not a database at all, just some text that is long enough to have a header\n'.repeat(3));
    const err = expectUntouched(text, () => refusal(text, 'corrupt'));
    expect(err.message).toBe(`${text} is not a SQLite database; it was left untouched — pass --db with a Vox Affect database path or a new file name`);

    const tiny = fresh('tiny.db');
    writeFileSync(tiny, Buffer.from([1, 2, 3]));
    expectUntouched(tiny, () => refusal(tiny, 'corrupt'));
  });
  it('a folder or a FIFO at the path is refused at once (reading a FIFO would block)', () => {
    const folder = fresh('a-folder.db');
    mkdirSync(folder);
    expect(refusal(folder, 'bad-input').message).toBe(`${folder} is a folder; pass --db with a database file path`);
    const fifo = fresh('a-fifo.db');
    execFileSync('mkfifo', [fifo]);
    expect(refusal(fifo, 'bad-input').message).toBe(`${fifo} is not a regular file; pass --db with a database file path`);
  });
});

describe('the store opens its own files and new ones', () => {
  it('a zero-byte file is a new database (documented): created, marked and migrated', () => {
    const path = fresh();
    writeFileSync(path, '');
    const store = openStore(path);
    expect(store.schemaVersion).toBe(LATEST_VERSION);
    store.runs.create({ name: 'first', config: {} });
    store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    db.close();
  });

  it('a database from a version that did not mark its files opens, keeps its rows and gets marked', () => {
    const path = fresh();
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    migrate(old, 3);
    old.pragma('application_id = 0');
    old.prepare("INSERT INTO runs (id, name, status, config, app_version, created_at) VALUES (4, 'early run', 'completed', '{}', '0.0.1', 1)").run();
    old.close();
    expect(readFileSync(path).readUInt32BE(68)).toBe(0);

    const store = openStore(path);
    expect(store.schemaVersion).toBe(LATEST_VERSION);
    expect(store.runs.require(4)).toMatchObject({ name: 'early run', status: 'completed' });
    store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    db.close();
  });

  it('an unmarked database of ours whose rows are still only in the WAL is read through the WAL', () => {
    const path = fresh();
    const holder = new Database(path);
    holder.pragma('journal_mode = WAL');
    holder.pragma('wal_autocheckpoint = 0');
    migrate(holder, 2);
    holder.pragma('application_id = 0');
    try {
      expect(readFileSync(path).readUInt32BE(60)).toBe(0); // the main file still says "empty"
      const store = openStore(path);
      expect(store.schemaVersion).toBe(LATEST_VERSION);
      store.close();
    } finally {
      holder.close();
    }
  });

  it("a fresh database of ours that another process has only migrated in its WAL is ours (not mistaken for a stranger's)", () => {
    const path = fresh();
    const holder = new Database(path);
    holder.pragma('journal_mode = WAL');
    holder.pragma('wal_autocheckpoint = 0');
    migrate(holder);
    try {
      expect(readFileSync(path).readUInt32BE(68)).toBe(0); // the mark is in the WAL, not yet in the main file
      const store = openStore(path);
      expect(store.schemaVersion).toBe(LATEST_VERSION);
      store.close();
    } finally {
      holder.close();
    }
  });

  it('an empty SQLite file (no tables, no version) is a new database', () => {
    const path = fresh();
    const db = new Database(path);
    db.pragma('page_size = 4096');
    db.exec('VACUUM'); // writes the header page, nothing else
    db.close();
    expect(readFileSync(path).length).toBeGreaterThan(0);
    openStore(path).close();
    expect(existsSync(path)).toBe(true);
  });
});
