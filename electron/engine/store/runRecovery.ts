/**
 * Crash recovery, run when a store opens: a run or a cross-validation group left live (queued/running) by a process
 * that is gone becomes `interrupted`, ended at its last sign of life. Rows that a live process — this one included,
 * when it claimed them — still drives are left alone (run-ownership.ts).
 */
import type { StoreContext } from './context.js';
import { ownerAlive, type OwnedKind } from './runOwnership.js';

interface Orphans {
  kind: OwnedKind;
  table: 'runs' | 'run_groups' | 'sweeps';
  /** Statuses a live owner holds its rows in. */
  live: string;
  /** SQL for the row's last sign of life (its new ended_at). */
  lastSignOfLife: string;
}

export const RUN_ORPHANS: Orphans = {
  kind: 'run',
  table: 'runs',
  live: "'queued','running'",
  lastSignOfLife: 'coalesce((SELECT max(created_at) FROM epochs e WHERE e.run_id = runs.id), started_at, created_at)',
};

export const GROUP_ORPHANS: Orphans = {
  kind: 'group',
  table: 'run_groups',
  live: "'running'",
  lastSignOfLife: 'coalesce((SELECT max(coalesce(r.ended_at, r.started_at)) FROM runs r WHERE r.group_id = run_groups.id), started_at, created_at)',
};

export const SWEEP_ORPHANS: Orphans = {
  kind: 'sweep',
  table: 'sweeps',
  live: "'running'",
  lastSignOfLife: 'coalesce((SELECT max(coalesce(r.ended_at, r.started_at)) FROM sweep_trials t JOIN runs r ON r.id = t.run_id WHERE t.sweep_id = sweeps.id), started_at, created_at)',
};

/** Marks the orphaned rows `interrupted`, in one transaction; returns their ids. */
export function recoverOrphans(ctx: StoreContext, o: Orphans): number[] {
  return ctx.write(() => {
    const rows = ctx.db.prepare(`SELECT id, pid, host, pid_start FROM ${o.table} WHERE status IN (${o.live})`).all() as Array<{
      id: number;
      pid: number | null;
      host: string | null;
      pid_start: string | null;
    }>;
    const mark = ctx.db.prepare(`UPDATE ${o.table} SET status = 'interrupted', ended_at = ${o.lastSignOfLife}, error = @error WHERE id = @id`);
    const marked: number[] = [];
    for (const row of rows) {
      if (ownerAlive(o.kind, ctx.path, row.id, row)) continue;
      mark.run({ id: row.id, error: `the process that ran it (pid ${row.pid ?? '?'}) stopped without finishing it` });
      marked.push(row.id);
    }
    return marked;
  });
}
