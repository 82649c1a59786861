/**
 * Runs this process has claimed (set queued/running), per database file. Crash recovery on open must not
 * mark as interrupted a run that another Store instance in this same process is still driving, yet a row
 * carrying our pid that we never claimed is a leftover from a dead process whose pid we inherited.
 */
const owned = new Map<string, Set<number>>();

export function claimRun(dbKey: string, runId: number): void {
  let set = owned.get(dbKey);
  if (!set) owned.set(dbKey, (set = new Set()));
  set.add(runId);
}

export function releaseRun(dbKey: string, runId: number): void {
  owned.get(dbKey)?.delete(runId);
}

export function ownsRun(dbKey: string, runId: number): boolean {
  return owned.get(dbKey)?.has(runId) ?? false;
}
