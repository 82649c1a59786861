/**
 * What every repository shares: the connection, the file path (for messages) and the two ways to touch it.
 * `write` runs an IMMEDIATE transaction (nested calls become savepoints), so each call is committed on
 * return — the unit of crash safety — and lock waits happen at BEGIN, where busy_timeout applies.
 */
import type Database from 'better-sqlite3';
import { guard } from './connection.js';

export class StoreContext {
  constructor(
    readonly db: Database.Database,
    readonly path: string,
  ) {}

  write<T>(fn: () => T): T {
    return guard(this.path, this.db, () => this.db.transaction(fn).immediate());
  }

  read<T>(fn: () => T): T {
    return guard(this.path, this.db, fn);
  }
}

/** Milliseconds since the epoch → ISO string (null stays null). */
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function isoRequired(ms: number): string {
  return new Date(ms).toISOString();
}

export function parseJson(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

/** JSON for a column; `undefined` (not representable) is stored as null. */
export function toJson(value: unknown): string {
  const s = JSON.stringify(value);
  return s === undefined ? 'null' : s;
}
