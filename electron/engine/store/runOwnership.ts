/**
 * Runs and run groups this process has claimed (set queued/running), per database file. Crash recovery on open must
 * not mark as interrupted a run (or a cross-validation group) that another Store instance in this same process is
 * still driving, yet a row carrying our pid that we never claimed is a leftover from a dead process whose pid we
 * inherited.
 */
import { currentProcess, processLiveness } from './processIdentity.js';

export type OwnedKind = 'run' | 'group' | 'sweep';

/**
 * The SET clause every status change of a run, group or sweep shares: a live row (@live = 1) is stamped with its
 * owner (@pid, @host, @pidStart) and has no end or error; a row that stops gets @now as its end and @error.
 */
export const OWNERSHIP_SET_SQL = `ended_at = CASE WHEN @live THEN NULL ELSE @now END,
  pid = CASE WHEN @live THEN @pid ELSE pid END,
  host = CASE WHEN @live THEN @host ELSE host END,
  pid_start = CASE WHEN @live THEN @pidStart ELSE pid_start END,
  error = CASE WHEN @live THEN NULL ELSE @error END`;

const owned = new Map<string, Set<number>>();
const keyOf = (kind: OwnedKind, dbKey: string) => `${kind}\0${dbKey}`;

export function claim(kind: OwnedKind, dbKey: string, id: number): void {
  const key = keyOf(kind, dbKey);
  let set = owned.get(key);
  if (!set) owned.set(key, (set = new Set()));
  set.add(id);
}

export function release(kind: OwnedKind, dbKey: string, id: number): void {
  owned.get(keyOf(kind, dbKey))?.delete(id);
}

export function owns(kind: OwnedKind, dbKey: string, id: number): boolean {
  return owned.get(keyOf(kind, dbKey))?.has(id) ?? false;
}

/** Whether the process recorded as a row's owner still drives it: this process only if it claimed the row, else by liveness. */
export function ownerAlive(kind: OwnedKind, dbKey: string, id: number, row: { pid: number | null; host: string | null; pid_start: string | null }): boolean {
  const me = currentProcess();
  if (row.pid === me.pid && (row.host === null || row.host === me.host)) return owns(kind, dbKey, id);
  return processLiveness(row.pid, row.host, row.pid_start) !== 'dead';
}
