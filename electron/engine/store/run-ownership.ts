/**
 * Runs (and run groups) this process has claimed (set queued/running), per database file. Crash recovery on open must not
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

/** The same for run groups: a cross-validation this process drives is not "interrupted" by its own other stores. */
const ownedGroups = new Map<string, Set<number>>();

export function claimGroup(dbKey: string, groupId: number): void {
  let set = ownedGroups.get(dbKey);
  if (!set) ownedGroups.set(dbKey, (set = new Set()));
  set.add(groupId);
}

export function releaseGroup(dbKey: string, groupId: number): void {
  ownedGroups.get(dbKey)?.delete(groupId);
}

export function ownsGroup(dbKey: string, groupId: number): boolean {
  return ownedGroups.get(dbKey)?.has(groupId) ?? false;
}
