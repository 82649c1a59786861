/**
 * Is a file at the --db path ours? Decided before anything writes to it, and without creating anything beside it:
 *  - a zero-byte file, or a SQLite file with no tables, user_version 0 and no application id → a new database;
 *  - application_id 'VoxA' → ours (refused only when written by a newer version);
 *  - application_id 0 with every table its user_version implies (1..latest) → ours, from a version that did not mark
 *    its files yet (marked when opened);
 *  - anything else → another program's file, refused and left byte-for-byte as it was.
 * A non-SQLite file is refused with 'corrupt'.
 */
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SerError } from '../../shared/errors.js';
import { APPLICATION_ID, LATEST_VERSION, tablesAt } from './migrations.js';

export interface DbIdentity {
  userVersion: number;
  applicationId: number;
  /** Tables and views in the schema; null when the header alone decided (a marked file). */
  tables: readonly string[] | null;
}

/** What opening the file means: start a new schema, continue ours, or mark an early one of ours first. */
export type Verdict = 'new' | 'ours' | 'unmarked-ours';

const SQLITE_MAGIC = 'SQLite format 3\0';

/** Tables and views of an open connection. */
export function schemaObjects(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
}

function readOpen(path: string, busyTimeoutMs: number): DbIdentity {
  const db = new Database(path, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
  try {
    return {
      userVersion: db.pragma('user_version', { simple: true }) as number,
      applicationId: db.pragma('application_id', { simple: true }) as number,
      tables: schemaObjects(db),
    };
  } finally {
    db.close();
  }
}

/**
 * Reads a WAL-mode file through a private copy: even a read-only connection creates -wal and -shm beside a WAL-mode
 * database and leaves them there, which must not happen to a file that may be another program's. Only unmarked
 * files come here (once for an early file of ours, which is then marked), so the copy is rare.
 */
function readCopy(path: string, busyTimeoutMs: number): DbIdentity {
  const dir = mkdtempSync(join(tmpdir(), 'ser-db-inspect-'));
  try {
    const copy = join(dir, 'db');
    copyFileSync(path, copy);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
    return readOpen(copy, busyTimeoutMs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What the file is, without writing to it or creating files beside it. The 100-byte header answers for marked files;
 * a read-only connection is used when a non-empty -wal of ours may hold newer commits; unmarked files are opened to
 * list their tables (directly in rollback-journal mode, which creates nothing; through a copy in WAL mode).
 */
export function inspectDb(path: string, busyTimeoutMs: number): DbIdentity | 'not-sqlite' {
  const st = statSync(path);
  // Reading a FIFO or a device would block or never end; a folder cannot be a database.
  if (!st.isFile()) throw new SerError('bad-input', `${path} is ${st.isDirectory() ? 'a folder' : 'not a regular file'}; pass --db with a database file path`, { path });
  if (st.size === 0) return { userVersion: 0, applicationId: 0, tables: [] };
  const buf = Buffer.alloc(100);
  const fd = openSync(path, 'r');
  try {
    const n = readSync(fd, buf, 0, 100, 0);
    if (n < 100 || buf.toString('latin1', 0, 16) !== SQLITE_MAGIC) return 'not-sqlite';
  } finally {
    closeSync(fd);
  }
  const header = { userVersion: buf.readUInt32BE(60), applicationId: buf.readUInt32BE(68) };
  const wal = `${path}-wal`;
  const walHasData = existsSync(wal) && statSync(wal).size > 0;
  if (header.applicationId !== 0) {
    // Another program's mark is final; ours may have newer commits in the WAL (the other process keeps -wal/-shm).
    if (header.applicationId !== APPLICATION_ID || !walHasData) return { ...header, tables: null };
    return readOpen(path, busyTimeoutMs);
  }
  // Bytes 18/19 are 2 in WAL mode. A fresh database of ours may also still have its first migration only in the WAL.
  const walMode = buf[18] === 2 || buf[19] === 2;
  return walMode || walHasData ? readCopy(path, busyTimeoutMs) : readOpen(path, busyTimeoutMs);
}

function hex(id: number): string {
  return `0x${(id >>> 0).toString(16).padStart(8, '0')}`;
}

function foreign(path: string, info: DbIdentity, why: string): SerError {
  return new SerError(
    'unsupported',
    `${path} is not a Vox Affect database (${why}); it was left untouched — pass --db with a Vox Affect database or a new file name`,
    { path, applicationId: info.applicationId, userVersion: info.userVersion, ...(info.tables ? { tables: info.tables.slice(0, 20) } : {}) },
  );
}

function listTables(tables: readonly string[]): string {
  return tables.length > 5 ? `${tables.slice(0, 5).join(', ')}, …` : tables.join(', ');
}

/** Decides what `info` is (see the module comment); throws SerError for a file that must not be opened. */
export function classifyDb(path: string, info: DbIdentity): Verdict {
  const { userVersion, applicationId, tables } = info;
  if (applicationId === APPLICATION_ID) {
    if (userVersion > LATEST_VERSION) {
      throw new SerError(
        'db-newer',
        `${path} was written by a newer version of Vox Affect (schema ${userVersion}, this version knows up to ${LATEST_VERSION}); ` +
          'update the app, or point --db / SER_DB at another file. The file was left untouched.',
        { path, userVersion, supported: LATEST_VERSION },
      );
    }
    return 'ours';
  }
  if (applicationId !== 0) throw foreign(path, info, `SQLite application_id ${hex(applicationId)} belongs to another program`);
  const present = new Set(tables ?? []);
  if (present.size === 0 && userVersion === 0) return 'new';
  if (userVersion >= 1 && userVersion <= LATEST_VERSION && tablesAt(userVersion).every((t) => present.has(t))) return 'unmarked-ours';
  const what = present.size ? `tables ${listTables([...present])}` : 'no tables';
  throw foreign(path, info, `a SQLite file of another program: user_version ${userVersion}, ${what}`);
}
