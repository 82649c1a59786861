/**
 * Opening the experiment database safely: refuse files that are not ours or are newer than this code (identity.ts)
 * (without touching them), then WAL + foreign keys + busy timeout, then the pending migrations.
 * Also maps SQLite's error codes onto SerError with messages a user can act on.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SerError } from '../../shared/errors.js';
import { APPLICATION_ID, LATEST_VERSION, migrations } from './migrations.js';
import { otherLiveClients } from './clients.js';
import { classifyDb, inspectDb, schemaObjects } from './identity.js';

export const DEFAULT_BUSY_TIMEOUT_MS = 3000;

export interface ConnectionOptions {
  busyTimeoutMs: number;
  /** Refuse to create the file when it does not exist. */
  mustExist: boolean;
}

/**
 * Connections this thread holds, by path. A file already open here was inspected when first opened, and must not be
 * inspected again: inspection reads it through plain descriptors (the header; a copy of an unmarked-looking file —
 * ours looks unmarked while its mark is still only in the WAL), and closing any descriptor of a file drops every POSIX
 * lock this process holds on it (fcntl(2)), SQLite's included. With those gone, another process reading the
 * database takes itself for its last user and checkpoints and removes the WAL under our open connections: a
 * `ser sweep` whose next trial opened the file this way failed every later trial with SQLITE_IOERR_SHORT_READ while
 * another process read the database.
 */
const openHere = new Map<string, number>();

/** Opens (creating if allowed) and migrates the database. Throws SerError, never a raw SqliteError. */
export function openConnection(path: string, opts: ConnectionOptions): Database.Database {
  const exists = existsSync(path);
  if (!exists && opts.mustExist) throw new SerError('not-found', `no database at ${path}; pass --db or set SER_DB to an existing experiments database`, { path });
  if (!exists && !existsSync(dirname(path))) throw new SerError('io', `cannot create ${path}: folder ${dirname(path)} does not exist`, { path });
  if (exists && !openHere.get(path)) {
    const info = guard(path, null, () => inspectDb(path, opts.busyTimeoutMs));
    if (info === 'not-sqlite') throw new SerError('corrupt', `${path} is not a SQLite database; it was left untouched — pass --db with a Vox Affect database path or a new file name`, { path });
    classifyDb(path, info);
  }

  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: opts.busyTimeoutMs });
    const conn = db;
    guard(path, conn, () => {
      conn.pragma(`busy_timeout = ${Math.round(opts.busyTimeoutMs)}`);
      conn.pragma('foreign_keys = ON');
      // Again on this connection, before anything writes: another process may have changed the file since `inspect`.
      const version = conn.pragma('user_version', { simple: true }) as number;
      const appId = conn.pragma('application_id', { simple: true }) as number;
      const verdict = classifyDb(path, { userVersion: version, applicationId: appId, tables: appId === APPLICATION_ID ? null : schemaObjects(conn) });
      // Readers never block the writer and a killed writer leaves only a WAL to replay on next open.
      conn.pragma('journal_mode = WAL');
      // In WAL mode NORMAL survives any process crash (SIGKILL); only an OS crash may drop the last commits.
      conn.pragma('synchronous = NORMAL');
      // A file from a version that did not mark its databases: mark it, so it is recognised by its header from now on.
      if (verdict === 'unmarked-ours') conn.transaction(() => conn.pragma(`application_id = ${APPLICATION_ID}`)).immediate();
      migrate(conn);
    });
    track(path, conn);
    return conn;
  } catch (err) {
    db?.close();
    if (err instanceof SerError) throw err;
    throw mapSqliteError(path, null, err);
  }
}

/** Counts `conn` in openHere until it is closed. */
function track(path: string, conn: Database.Database): void {
  openHere.set(path, (openHere.get(path) ?? 0) + 1);
  const close = conn.close.bind(conn);
  let closed = false;
  conn.close = () => {
    if (!closed) {
      closed = true;
      const n = (openHere.get(path) ?? 1) - 1;
      if (n > 0) openHere.set(path, n);
      else openHere.delete(path);
    }
    return close();
  };
}

/**
 * Applies the pending migrations, each in its own IMMEDIATE transaction that also bumps user_version.
 * The version is re-read inside the transaction, so two processes opening a fresh file at once are safe.
 */
export function migrate(db: Database.Database, upTo: number = LATEST_VERSION): number {
  for (const m of migrations) {
    if (m.version > upTo) break;
    db.transaction(() => {
      const current = db.pragma('user_version', { simple: true }) as number;
      if (current >= m.version) return;
      if (current !== m.version - 1) throw new SerError('corrupt', `schema version ${current} cannot be migrated by step ${m.version}`);
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  return db.pragma('user_version', { simple: true }) as number;
}

interface SqliteLikeError {
  code?: unknown;
  message?: unknown;
}

function isSqliteError(err: unknown): err is SqliteLikeError & Error {
  return err instanceof Error && typeof (err as SqliteLikeError).code === 'string' && String((err as SqliteLikeError).code).startsWith('SQLITE_');
}

/** Turns a SqliteError into a SerError naming the file and what to do. Other errors pass through. */
export function mapSqliteError(path: string, db: Database.Database | null, err: unknown): unknown {
  if (!isSqliteError(err)) return err;
  const code = String(err.code);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return lockedError(path, db);
  if (code === 'SQLITE_NOTADB') return new SerError('corrupt', `${path} is not a SQLite database; pass --db with a Vox Affect database path`, { path });
  if (code.startsWith('SQLITE_CORRUPT')) return new SerError('corrupt', `${path} is damaged (${err.message}); restore a backup or start a new database with --db`, { path });
  if (code.startsWith('SQLITE_CANTOPEN')) return new SerError('io', `cannot open ${path} (${err.message}); check the path and its permissions`, { path });
  if (code.startsWith('SQLITE_READONLY')) return new SerError('io', `${path} is read-only (${err.message}); check its permissions`, { path });
  if (code === 'SQLITE_FULL') return new SerError('io', `disk full while writing ${path}; free some space and retry`, { path });
  if (code.startsWith('SQLITE_CONSTRAINT')) return new SerError('bad-input', `rejected by the database: ${err.message}`, { path, sqliteCode: code });
  return new SerError('io', `database error in ${path}: ${err.message} (${code})`, { path, sqliteCode: code });
}

function lockedError(path: string, db: Database.Database | null): SerError {
  const holders = db ? otherLiveClients(db) : [];
  let waited = '';
  try {
    if (db) waited = ` ${((db.pragma('busy_timeout', { simple: true }) as number) / 1000).toFixed(1)} s`;
  } catch {
    /* the wait is only informative */
  }
  const who =
    holders.length === 0
      ? 'another process (not one registered by Vox Affect, e.g. a sqlite3 shell)'
      : holders.map((c) => `pid ${c.pid} (${c.command}, open since ${c.openedAt})`).join(', ');
  return new SerError('db-locked', `${path} is locked by ${who}; waited${waited}, then gave up. Let it finish or stop it, then retry.`, {
    path,
    holders: holders.map((c) => ({ pid: c.pid, host: c.host, command: c.command })),
  });
}

/** Runs `fn`, mapping SQLite errors to SerError. */
export function guard<T>(path: string, db: Database.Database | null, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw mapSqliteError(path, db, err);
  }
}
