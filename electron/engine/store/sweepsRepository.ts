/**
 * Sweeps and their trials. A sweep is recorded with all its trials at once (one transaction), so a sweep never
 * exists half-expanded; it has an owner process like a run group, so a killed `ser sweep` leaves it `interrupted`.
 * A trial points at the run that trains it once that run is recorded (runs.id; the run itself is an ordinary run).
 */
import { SerError } from '../../shared/errors.js';
import { appVersion } from '../version.js';
import { writeGroupStatus } from './groupStatus.js';
import { currentProcess } from './processIdentity.js';
import { claim } from './runOwnership.js';
import { StoreContext, iso, isoRequired, parseJson, toJson } from './context.js';
import { SWEEP_ORPHANS, recoverOrphans } from './runRecovery.js';
import { TRIAL_STATUSES, type GroupStatus, type NewSweep, type SweepRecord, type TrialPatch, type TrialRecord, type TrialStatus } from './types.js';

interface SweepRow {
  id: number;
  name: string;
  status: GroupStatus;
  space: string;
  config: string;
  folds: number;
  queue: string | null;
  app_version: string;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  pid: number | null;
  host: string | null;
  pid_start: string | null;
  error: string | null;
  cancel_requested_at: number | null;
}

interface TrialRow {
  id: number;
  sweep_id: number;
  recipe: number;
  params: string;
  fold: number;
  status: TrialStatus;
  worker: string | null;
  run_id: number | null;
  attempts: number;
  error: string | null;
}


function toSweep(row: SweepRow): SweepRecord {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    space: parseJson(row.space),
    config: parseJson(row.config),
    folds: row.folds,
    queue: row.queue,
    appVersion: row.app_version,
    createdAt: isoRequired(row.created_at),
    startedAt: iso(row.started_at),
    endedAt: iso(row.ended_at),
    pid: row.pid,
    host: row.host,
    error: row.error,
    cancelRequestedAt: iso(row.cancel_requested_at),
  };
}

function toTrial(row: TrialRow): TrialRecord {
  return {
    id: row.id,
    sweepId: row.sweep_id,
    recipe: row.recipe,
    params: parseJson(row.params) as Record<string, unknown>,
    fold: row.fold,
    status: row.status,
    worker: row.worker,
    runId: row.run_id,
    attempts: row.attempts,
    error: row.error,
  };
}

export class SweepsRepository {
  constructor(private readonly ctx: StoreContext) {}

  private get db() {
    return this.ctx.db;
  }

  /** A new sweep, `running` and owned by this process, with all its trials `queued`. */
  create(input: NewSweep): SweepRecord {
    if (!input.name || !input.name.trim()) throw new SerError('bad-input', 'a sweep needs a non-empty name');
    if (!(Number.isInteger(input.folds) && input.folds >= 1)) throw new SerError('bad-input', `a sweep has at least 1 fold, got ${input.folds}`);
    if (input.trials.length === 0) throw new SerError('bad-input', 'a sweep needs at least one trial');
    for (const t of input.trials) {
      if (!(Number.isInteger(t.fold) && t.fold >= 0 && t.fold < input.folds)) throw new SerError('bad-input', `a trial's fold is in 0..${input.folds - 1}, got ${t.fold}`);
      if (!(Number.isInteger(t.recipe) && t.recipe >= 0)) throw new SerError('bad-input', `a trial's recipe is a non-negative integer, got ${t.recipe}`);
    }
    const me = currentProcess();
    const now = Date.now();
    const id = this.ctx.write(() => {
      const sweepId = Number(
        this.db
          .prepare(
            `INSERT INTO sweeps (name, status, space, config, folds, queue, app_version, created_at, started_at, pid, host, pid_start)
             VALUES (@name, 'running', @space, @config, @folds, @queue, @appVersion, @now, @now, @pid, @host, @pidStart)`,
          )
          .run({ name: input.name.trim(), space: toJson(input.space), config: toJson(input.config), folds: input.folds, queue: input.queue ?? null, appVersion, now, pid: me.pid, host: me.host, pidStart: me.start })
          .lastInsertRowid,
      );
      const insert = this.db.prepare(`INSERT INTO sweep_trials (sweep_id, recipe, params, fold, status) VALUES (?, ?, ?, ?, 'queued')`);
      for (const t of input.trials) insert.run(sweepId, t.recipe, toJson(t.params), t.fold);
      return sweepId;
    });
    claim('sweep', this.ctx.path, id);
    return this.require(id);
  }

  get(id: number): SweepRecord | undefined {
    const row = this.ctx.read(() => this.db.prepare('SELECT * FROM sweeps WHERE id = ?').get(id) as SweepRow | undefined);
    return row ? toSweep(row) : undefined;
  }

  require(id: number): SweepRecord {
    const s = this.get(id);
    if (!s) throw new SerError('not-found', `no sweep with id ${id}`, { id });
    return s;
  }

  /** Newest first. */
  list(): SweepRecord[] {
    const rows = this.ctx.read(() => this.db.prepare('SELECT * FROM sweeps ORDER BY coalesce(started_at, created_at) DESC, id DESC').all() as SweepRow[]);
    return rows.map(toSweep);
  }

  /** A sweep's trials by recipe, then fold. */
  trials(sweepId: number): TrialRecord[] {
    const rows = this.ctx.read(() => this.db.prepare('SELECT * FROM sweep_trials WHERE sweep_id = ? ORDER BY recipe, fold, id').all(sweepId) as TrialRow[]);
    return rows.map(toTrial);
  }

  trial(id: number): TrialRecord {
    const row = this.ctx.read(() => this.db.prepare('SELECT * FROM sweep_trials WHERE id = ?').get(id) as TrialRow | undefined);
    if (!row) throw new SerError('not-found', `no sweep trial with id ${id}`, { id });
    return toTrial(row);
  }

  updateTrial(id: number, patch: TrialPatch): TrialRecord {
    const sets: string[] = [];
    const params: Record<string, unknown> = { id };
    if (patch.status !== undefined) {
      if (!TRIAL_STATUSES.includes(patch.status)) throw new SerError('bad-input', `unknown trial status '${String(patch.status)}'`);
      sets.push('status = @status');
      params.status = patch.status;
    }
    if (patch.worker !== undefined) {
      sets.push('worker = @worker');
      params.worker = patch.worker;
    }
    if (patch.runId !== undefined) {
      sets.push('run_id = @runId');
      params.runId = patch.runId;
    }
    if (patch.attempts !== undefined) {
      if (!(Number.isInteger(patch.attempts) && patch.attempts >= 0)) throw new SerError('bad-input', `attempts is a non-negative integer, got ${patch.attempts}`);
      sets.push('attempts = @attempts');
      params.attempts = patch.attempts;
    }
    if (patch.error !== undefined) {
      sets.push('error = @error');
      params.error = patch.error;
    }
    if (sets.length) {
      const changed = this.ctx.write(() => this.db.prepare(`UPDATE sweep_trials SET ${sets.join(', ')} WHERE id = @id`).run(params).changes);
      if (changed === 0) throw new SerError('not-found', `no sweep trial with id ${id}`, { id });
    }
    return this.trial(id);
  }

  /**
   * Like a run group's: `running` takes ownership (and clears the end and error), any other status stamps ended_at.
   * Running again also forgets an earlier cancel request (a resumed sweep starts unasked).
   */
  setStatus(id: number, status: GroupStatus, opts: { error?: string | null } = {}): SweepRecord {
    this.ctx.write(() => {
      writeGroupStatus(this.ctx, { table: 'sweeps', owned: 'sweep', noun: 'sweep' }, id, status, opts.error ?? null);
      if (status === 'running') this.db.prepare('UPDATE sweeps SET cancel_requested_at = NULL WHERE id = ?').run(id);
    });
    return this.require(id);
  }

  /** Where the trials go now (a resumed sweep may run elsewhere than it started): a queue label, or null for here. */
  setQueue(id: number, queue: string | null): SweepRecord {
    const changed = this.ctx.write(() => this.db.prepare('UPDATE sweeps SET queue = ? WHERE id = ?').run(queue, id).changes);
    if (changed === 0) throw new SerError('not-found', `no sweep with id ${id}`, { id });
    return this.require(id);
  }

  /**
   * Asks the process driving a running sweep to stop it (it polls this); the first request's time is kept. Returns
   * false when the sweep is not running, so there is nobody to ask.
   */
  requestCancel(id: number): boolean {
    const changed = this.ctx.write(
      () => this.db.prepare("UPDATE sweeps SET cancel_requested_at = coalesce(cancel_requested_at, ?) WHERE id = ? AND status = 'running'").run(Date.now(), id).changes,
    );
    if (changed === 0) this.require(id);
    return changed > 0;
  }

  /** Crash recovery on open: a running sweep whose owner is gone becomes `interrupted`. Returns the ids it marked. */
  recoverInterrupted(): number[] {
    return recoverOrphans(this.ctx, SWEEP_ORPHANS);
  }
}
