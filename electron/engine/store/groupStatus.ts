/**
 * Status changes of the rows that drive a set of runs — cross-validation groups and sweeps. Both follow the same
 * rules as a run: `running` takes ownership (pid, host, start; clears the end and error), any other status stamps
 * ended_at and releases it; every unfinished status may run again (a resume), completed is final.
 */
import { SerError } from '../../shared/errors.js';
import type { StoreContext } from './context.js';
import { currentProcess } from './processIdentity.js';
import { claim, OWNERSHIP_SET_SQL, release, type OwnedKind } from './runOwnership.js';
import { GROUP_STATUSES, type GroupStatus } from './types.js';

const TRANSITIONS: Record<GroupStatus, readonly GroupStatus[]> = {
  running: ['completed', 'failed', 'cancelled', 'interrupted'],
  interrupted: ['running', 'failed', 'cancelled'],
  failed: ['running'],
  cancelled: ['running'],
  completed: [],
};

/** Which table holds the group rows, the ownership kind they are claimed under, and their name in messages. */
export interface GroupTable {
  table: 'run_groups' | 'sweeps';
  owned: OwnedKind;
  noun: string;
}

/** Moves group `id` to `status` (a no-op when it is there already); throws not-found or bad-input by name. */
export function writeGroupStatus(ctx: StoreContext, t: GroupTable, id: number, status: GroupStatus, error: string | null): void {
  if (!GROUP_STATUSES.includes(status)) throw new SerError('bad-input', `unknown ${t.noun} status '${String(status)}'`);
  const me = currentProcess();
  ctx.write(() => {
    const cur = ctx.db.prepare(`SELECT status FROM ${t.table} WHERE id = ?`).get(id) as { status: GroupStatus } | undefined;
    if (!cur) throw new SerError('not-found', `no ${t.noun} with id ${id}`, { id });
    if (cur.status === status) return;
    if (!TRANSITIONS[cur.status].includes(status)) throw new SerError('bad-input', `${t.noun} ${id} is ${cur.status} and cannot become ${status}`, { id, from: cur.status, to: status });
    const live = status === 'running';
    ctx.db
      .prepare(
        `UPDATE ${t.table} SET status = @status, ${OWNERSHIP_SET_SQL} WHERE id = @id`,
      )
      .run({ id, status, now: Date.now(), live: live ? 1 : 0, pid: me.pid, host: me.host, pidStart: me.start, error });
  });
  if (status === 'running') claim(t.owned, ctx.path, id);
  else release(t.owned, ctx.path, id);
}
