/**
 * Run groups: a cross-validation is one group holding one run per fold (runs.group_id / runs.fold). The group has
 * its own lifecycle and owner process, so a killed `ser cv` leaves it `interrupted` (resumable) like its runs.
 */
import { SerError } from '../../shared/errors.js';
import { appVersion } from '../version.js';
import { writeGroupStatus } from './groupStatus.js';
import { currentProcess } from './processIdentity.js';
import { claim, ownerAlive } from './runOwnership.js';
import { StoreContext, iso, isoRequired, parseJson, toJson } from './context.js';
import { GROUP_ORPHANS, recoverOrphans } from './runRecovery.js';
import { type CvSummary, type GroupKind, type GroupStatus, type NewRunGroup, type RunGroupRecord } from './types.js';

interface GroupRow {
  id: number;
  kind: GroupKind;
  name: string;
  status: GroupStatus;
  config: string;
  folds: number;
  summary: string | null;
  app_version: string;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  pid: number | null;
  host: string | null;
  pid_start: string | null;
  error: string | null;
}


function toGroup(row: GroupRow): RunGroupRecord {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    status: row.status,
    config: parseJson(row.config),
    folds: row.folds,
    summary: parseJson(row.summary) as CvSummary | null,
    appVersion: row.app_version,
    createdAt: isoRequired(row.created_at),
    startedAt: iso(row.started_at),
    endedAt: iso(row.ended_at),
    pid: row.pid,
    host: row.host,
    error: row.error,
  };
}

export class RunGroupsRepository {
  constructor(private readonly ctx: StoreContext) {}

  private get db() {
    return this.ctx.db;
  }

  /** A new group, `running` and owned by this process. */
  create(input: NewRunGroup): RunGroupRecord {
    if (!input.name || !input.name.trim()) throw new SerError('bad-input', 'a run group needs a non-empty name');
    if (input.kind !== 'cv') throw new SerError('bad-input', `unknown run group kind '${String(input.kind)}'`);
    if (!(Number.isInteger(input.folds) && input.folds >= 2)) throw new SerError('bad-input', `a cross-validation has at least 2 folds, got ${input.folds}`);
    const me = currentProcess();
    const now = Date.now();
    const id = this.ctx.write(() =>
      Number(
        this.db
          .prepare(
            `INSERT INTO run_groups (kind, name, status, config, folds, app_version, created_at, started_at, pid, host, pid_start)
             VALUES (@kind, @name, 'running', @config, @folds, @appVersion, @now, @now, @pid, @host, @pidStart)`,
          )
          .run({ kind: input.kind, name: input.name.trim(), config: toJson(input.config ?? null), folds: input.folds, appVersion, now, pid: me.pid, host: me.host, pidStart: me.start })
          .lastInsertRowid,
      ),
    );
    claim('group', this.ctx.path, id);
    return this.require(id);
  }

  get(id: number): RunGroupRecord | undefined {
    const row = this.ctx.read(() => this.db.prepare('SELECT * FROM run_groups WHERE id = ?').get(id) as GroupRow | undefined);
    return row ? toGroup(row) : undefined;
  }

  require(id: number): RunGroupRecord {
    const g = this.get(id);
    if (!g) throw new SerError('not-found', `no run group with id ${id}`, { id });
    return g;
  }

  /** Newest first, like the runs list. */
  list(): RunGroupRecord[] {
    const rows = this.ctx.read(() => this.db.prepare('SELECT * FROM run_groups ORDER BY coalesce(started_at, created_at) DESC, id DESC').all() as GroupRow[]);
    return rows.map(toGroup);
  }

  update(id: number, patch: { name?: string; config?: unknown; summary?: CvSummary | null }): RunGroupRecord {
    const sets: string[] = [];
    const params: Record<string, unknown> = { id };
    if (patch.name !== undefined) {
      if (!patch.name.trim()) throw new SerError('bad-input', 'a run group needs a non-empty name');
      sets.push('name = @name');
      params.name = patch.name.trim();
    }
    if (patch.config !== undefined) {
      sets.push('config = @config');
      params.config = toJson(patch.config);
    }
    if (patch.summary !== undefined) {
      sets.push('summary = @summary');
      params.summary = patch.summary === null ? null : toJson(patch.summary);
    }
    if (sets.length) {
      const changed = this.ctx.write(() => this.db.prepare(`UPDATE run_groups SET ${sets.join(', ')} WHERE id = @id`).run(params).changes);
      if (changed === 0) throw new SerError('not-found', `no run group with id ${id}`, { id });
    }
    return this.require(id);
  }

  /** Like runs: `running` takes ownership (and clears the end and error), any other status stamps ended_at. */
  setStatus(id: number, status: GroupStatus, opts: { error?: string | null } = {}): RunGroupRecord {
    writeGroupStatus(this.ctx, { table: 'run_groups', owned: 'group', noun: 'run group' }, id, status, opts.error ?? null);
    return this.require(id);
  }

  /** True while a live process (this one included) drives the group. */
  isDriven(id: number): boolean {
    const row = this.ctx.read(() => this.db.prepare('SELECT status, pid, host, pid_start FROM run_groups WHERE id = ?').get(id) as Pick<GroupRow, 'status' | 'pid' | 'host' | 'pid_start'> | undefined);
    return row !== undefined && row.status === 'running' && this.ownerAlive(id, row);
  }

  /** Crash recovery on open: a running group whose owner is gone becomes `interrupted`. Returns the ids it marked. */
  recoverInterrupted(): number[] {
    return recoverOrphans(this.ctx, GROUP_ORPHANS);
  }

  private ownerAlive(id: number, row: Pick<GroupRow, 'pid' | 'host' | 'pid_start'>): boolean {
    return ownerAlive('group', this.ctx.path, id, row);
  }
}
