/**
 * Registry of the processes that have the store open (table `store_clients`). SQLite does not say who
 * holds a lock, so each process records itself on open; when we time out on a lock we can name the
 * other live processes instead of printing "database is locked".
 */
import { basename } from 'node:path';
import type Database from 'better-sqlite3';
import { currentProcess, processLiveness } from './processIdentity.js';

export interface StoreClient {
  pid: number;
  host: string;
  command: string;
  openedAt: string;
}

interface ClientRow {
  id: number;
  pid: number;
  host: string;
  pid_start: string | null;
  command: string;
  opened_at: number;
}

export function defaultClientName(): string {
  const [, script, ...args] = process.argv;
  const name = script ? basename(script).replace(/\.(c|m)?js$/, '') : basename(process.execPath);
  return [name === 'ser' ? 'ser' : name, ...args].join(' ').slice(0, 200);
}

/** Drops rows of dead processes and adds this one; returns the row id (to remove it on close). */
export function registerClient(db: Database.Database, command: string): number {
  const me = currentProcess();
  const rows = db.prepare('SELECT * FROM store_clients').all() as ClientRow[];
  const del = db.prepare('DELETE FROM store_clients WHERE id = ?');
  for (const r of rows) if (processLiveness(r.pid, r.host, r.pid_start) === 'dead') del.run(r.id);
  const info = db
    .prepare('INSERT INTO store_clients (pid, host, pid_start, command, opened_at) VALUES (?, ?, ?, ?, ?)')
    .run(me.pid, me.host, me.start, command, Date.now());
  return Number(info.lastInsertRowid);
}

export function unregisterClient(db: Database.Database, id: number): void {
  db.prepare('DELETE FROM store_clients WHERE id = ?').run(id);
}

/** Other live processes that have the store open (the candidates for holding a lock). */
export function otherLiveClients(db: Database.Database): StoreClient[] {
  const me = currentProcess();
  let rows: ClientRow[];
  try {
    rows = db.prepare('SELECT * FROM store_clients ORDER BY opened_at').all() as ClientRow[];
  } catch {
    return []; // table missing (old schema) or unreadable: we just cannot name anyone
  }
  return rows
    .filter((r) => !(r.pid === me.pid && r.host === me.host))
    .filter((r) => processLiveness(r.pid, r.host, r.pid_start) !== 'dead')
    .map((r) => ({ pid: r.pid, host: r.host, command: r.command, openedAt: new Date(r.opened_at).toISOString() }));
}
