/** Opening the experiment database from the verbs that read records in it (`show`, `list`, `cancel`). */
import { existsSync } from 'node:fs';
import { defaultDbPath } from '../engine/store/dbPath.js';
import type { Store } from '../engine/store/store.js';
import { printJson, type DbFlags } from './output.js';

/** Runs `fn` on the database of `--db` (else the default), which must exist, and closes it whatever happens. */
export async function withStore<T>(flags: DbFlags, fn: (store: Store) => T | Promise<T>): Promise<T> {
  // Loaded here so that verbs which never open the database do not load SQLite.
  const { openStore } = await import('../engine/store/index.js');
  const store = openStore(flags.db ?? defaultDbPath(), { mustExist: true });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

/**
 * A `list` subcommand: the records `load` reads, one `line` each (with `--json` a JSON array). A database that does
 * not exist yet holds nothing — an empty list, not an error — and is not created by looking.
 */
export async function printList<T>(flags: DbFlags, none: string, load: (store: Store) => T[] | Promise<T[]>, line: (item: T) => string): Promise<void> {
  const items = existsSync(flags.db ?? defaultDbPath()) ? await withStore(flags, load) : [];
  if (flags.json) printJson(items);
  else process.stdout.write((items.length ? items.map(line).join('\n') : none) + '\n');
}
