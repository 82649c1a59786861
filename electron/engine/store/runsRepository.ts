/**
 * Runs, their tags and notes, and (through runEpochsRepository.ts) their epochs. Every method is one committed
 * transaction; `addEpoch` in particular commits on return, so a trainer killed at any moment keeps all the epochs
 * it had reported. Crash recovery on open is runRecovery.ts's.
 */
import { randomUUID } from 'node:crypto';
import { SerError } from '../../shared/errors.js';
import { appVersion } from '../version.js';
import { currentProcess } from './processIdentity.js';
import { claim, ownerAlive, OWNERSHIP_SET_SQL, release } from './runOwnership.js';
import { StoreContext, iso, isoRequired, parseJson, toJson } from './context.js';
import { RUN_STATUSES } from '../../shared/runStatus.js';
import { RunEpochsRepository } from './runEpochsRepository.js';
import { recoverOrphans, RUN_ORPHANS } from './runRecovery.js';
import {
  type EpochInput,
  type EpochRecord,
  type ListRunsOptions,
  type NewRun,
  type RunKind,
  type RunPatch,
  type RunRecord,
  type RunSplit,
  type RunStatus,
  type RunSummary,
} from './types.js';

interface RunRow {
  id: number;
  name: string;
  status: RunStatus;
  config: string;
  seed: number | null;
  split: string | null;
  dataset_id: number | null;
  dataset_fingerprint: string | null;
  backend: string | null;
  workers: number | null;
  app_version: string;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  notes: string | null;
  pid: number | null;
  host: string | null;
  pid_start: string | null;
  error: string | null;
  group_id: number | null;
  fold: number | null;
  uuid: string | null;
  kind: RunKind | null;
  parent_model: string | null;
  parent_run_id: number | null;
  tags: string | null;
}

interface SummaryRow extends RunRow {
  epochs_done: number;
  best_val_accuracy: number | null;
  test_accuracy: number | null;
}

/** Tags come back as one JSON array per run (json_group_array), in tag order. */
const RUN_COLUMNS = `r.*, (SELECT json_group_array(tag) FROM (SELECT tag FROM run_tags t WHERE t.run_id = r.id ORDER BY tag)) AS tags`;

/** Which status changes make sense; anything else is a caller bug worth a clear error. */
const TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  queued: ['running', 'cancelled', 'failed', 'interrupted'],
  running: ['completed', 'failed', 'cancelled', 'interrupted'],
  interrupted: ['queued', 'running', 'failed', 'cancelled'],
  completed: [],
  failed: [],
  cancelled: [],
};

const MAX_TAG_LENGTH = 64;

function toRun(row: RunRow): RunRecord {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    config: parseJson(row.config),
    seed: row.seed,
    split: parseJson(row.split) as RunSplit | null,
    datasetId: row.dataset_id,
    datasetFingerprint: row.dataset_fingerprint,
    backend: row.backend,
    workers: row.workers ?? null,
    appVersion: row.app_version,
    createdAt: isoRequired(row.created_at),
    startedAt: iso(row.started_at),
    endedAt: iso(row.ended_at),
    notes: row.notes,
    tags: row.tags ? (JSON.parse(row.tags) as string[]) : [],
    pid: row.pid,
    host: row.host,
    error: row.error,
    groupId: row.group_id ?? null,
    fold: row.fold ?? null,
    uuid: row.uuid ?? null,
    kind: row.kind ?? 'train',
    parentModel: row.parent_model ?? null,
    parentRunId: row.parent_run_id ?? null,
  };
}

function checkTag(tag: string): string {
  const t = tag.trim();
  if (t === '' || t.length > MAX_TAG_LENGTH || /[\s,]/.test(t)) {
    throw new SerError('bad-input', `invalid tag '${tag}': tags are 1–${MAX_TAG_LENGTH} characters without spaces or commas`);
  }
  return t;
}

export class RunsRepository {
  readonly #epochs: RunEpochsRepository;

  constructor(private readonly ctx: StoreContext) {
    this.#epochs = new RunEpochsRepository(ctx);
  }

  private get db() {
    return this.ctx.db;
  }

  create(input: NewRun): RunRecord {
    if (!input.name || !input.name.trim()) throw new SerError('bad-input', 'a run needs a non-empty name');
    const status = input.status ?? 'queued';
    if (status !== 'queued' && status !== 'running') throw new SerError('bad-input', `a new run is queued or running, not ${String(status)}`);
    if (input.group && !(Number.isInteger(input.group.fold) && input.group.fold >= 0)) throw new SerError('bad-input', `a fold is a non-negative integer, got ${input.group.fold}`);
    const me = currentProcess();
    const now = Date.now();
    const id = this.ctx.write(() => {
      const info = this.db
        .prepare(
          `INSERT INTO runs (name, status, config, seed, split, dataset_id, dataset_fingerprint, backend, app_version,
                             created_at, started_at, notes, pid, host, pid_start, group_id, fold, uuid, kind, parent_model, parent_run_id)
           VALUES (@name, @status, @config, @seed, @split, @datasetId, @datasetFingerprint, @backend, @appVersion,
                   @now, @startedAt, @notes, @pid, @host, @pidStart, @groupId, @fold, @uuid, @kind, @parentModel, @parentRunId)`,
        )
        .run({
          name: input.name.trim(),
          status,
          config: toJson(input.config ?? null),
          seed: input.seed ?? null,
          split: input.split ? toJson(input.split) : null,
          datasetId: input.datasetId ?? null,
          datasetFingerprint: input.datasetFingerprint ?? null,
          backend: input.backend ?? null,
          appVersion,
          now,
          startedAt: status === 'running' ? now : null,
          notes: input.notes ?? null,
          pid: me.pid,
          host: me.host,
          pidStart: me.start,
          groupId: input.group?.groupId ?? null,
          fold: input.group?.fold ?? null,
          uuid: randomUUID(),
          kind: input.kind ?? 'train',
          parentModel: input.parent?.model ?? null,
          parentRunId: input.parent?.runId ?? null,
        });
      const runId = Number(info.lastInsertRowid);
      this.insertTags(runId, input.tags ?? []);
      return runId;
    });
    claim('run', this.ctx.path, id);
    return this.require(id);
  }

  get(id: number): RunRecord | undefined {
    const row = this.ctx.read(() => this.db.prepare(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = ?`).get(id) as RunRow | undefined);
    return row ? toRun(row) : undefined;
  }

  /** Like `get`, but a missing run is a SerError('not-found') with the message the CLI prints. */
  require(id: number): RunRecord {
    const run = this.get(id);
    if (!run) throw new SerError('not-found', `no run with id ${id}`, { id });
    return run;
  }

  /** Newest first (by start, or creation for runs not started yet), with the figures a runs table shows. */
  list(opts: ListRunsOptions = {}): RunSummary[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: opts.limit ?? -1, offset: opts.offset ?? 0 };
    if (opts.status) {
      where.push('r.status = @status');
      params.status = opts.status;
    }
    if (opts.tag) {
      where.push('EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.id AND t.tag = @tag)');
      params.tag = opts.tag;
    }
    if (opts.groupId !== undefined) {
      where.push('r.group_id = @groupId');
      params.groupId = opts.groupId;
    }
    const rows = this.ctx.read(
      () =>
        this.db
          .prepare(
            `SELECT ${RUN_COLUMNS},
               (SELECT count(*) FROM epochs e WHERE e.run_id = r.id) AS epochs_done,
               coalesce((SELECT max(val_accuracy) FROM epochs e WHERE e.run_id = r.id),
                        (SELECT max(accuracy) FROM evaluations v WHERE v.run_id = r.id AND v.split = 'val')) AS best_val_accuracy,
               (SELECT accuracy FROM evaluations v WHERE v.run_id = r.id AND v.split = 'test' ORDER BY v.id DESC LIMIT 1) AS test_accuracy
             FROM runs r
             ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
             ORDER BY coalesce(r.started_at, r.created_at) DESC, r.id DESC
             LIMIT @limit OFFSET @offset`,
          )
          .all(params) as SummaryRow[],
    );
    const now = Date.now();
    return rows.map((row) => ({
      ...toRun(row),
      epochsDone: row.epochs_done,
      bestValAccuracy: row.best_val_accuracy,
      testAccuracy: row.test_accuracy,
      durationMs:
        row.started_at === null ? null : row.ended_at !== null ? row.ended_at - row.started_at : row.status === 'running' ? now - row.started_at : null,
    }));
  }

  update(id: number, patch: RunPatch): RunRecord {
    const sets: string[] = [];
    const params: Record<string, unknown> = { id };
    const put = (col: string, value: unknown) => {
      sets.push(`${col} = @${col}`);
      params[col] = value;
    };
    if (patch.name !== undefined) {
      if (!patch.name.trim()) throw new SerError('bad-input', 'a run needs a non-empty name');
      put('name', patch.name.trim());
    }
    if (patch.config !== undefined) put('config', toJson(patch.config));
    if (patch.seed !== undefined) put('seed', patch.seed);
    if (patch.split !== undefined) put('split', patch.split === null ? null : toJson(patch.split));
    if (patch.datasetId !== undefined) put('dataset_id', patch.datasetId);
    if (patch.datasetFingerprint !== undefined) put('dataset_fingerprint', patch.datasetFingerprint);
    if (patch.backend !== undefined) put('backend', patch.backend);
    if (patch.workers !== undefined) put('workers', patch.workers);
    if (patch.notes !== undefined) put('notes', patch.notes === null || patch.notes.trim() === '' ? null : patch.notes);
    if (sets.length > 0) {
      const changed = this.ctx.write(() => this.db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = @id`).run(params).changes);
      if (changed === 0) throw new SerError('not-found', `no run with id ${id}`, { id });
    }
    return this.require(id);
  }

  /** Gives a run recorded before runs had UUIDs (migration 6) its UUID; a run that has one keeps it. */
  assignUuid(id: number): RunRecord {
    this.ctx.write(() => this.db.prepare('UPDATE runs SET uuid = @uuid WHERE id = @id AND uuid IS NULL').run({ id, uuid: randomUUID() }));
    return this.require(id);
  }

  setNotes(id: number, notes: string | null): RunRecord {
    return this.update(id, { notes });
  }

  /**
   * Moves a run along its lifecycle: `running` stamps started_at (first time) and makes this process the
   * owner; a final status or `interrupted` stamps ended_at and records `error` (for failed runs).
   */
  setStatus(id: number, status: RunStatus, opts: { error?: string | null } = {}): RunRecord {
    if (!RUN_STATUSES.includes(status)) throw new SerError('bad-input', `unknown run status '${String(status)}'`);
    const me = currentProcess();
    this.ctx.write(() => {
      const cur = this.db.prepare('SELECT status FROM runs WHERE id = ?').get(id) as { status: RunStatus } | undefined;
      if (!cur) throw new SerError('not-found', `no run with id ${id}`, { id });
      if (cur.status === status) return;
      if (!TRANSITIONS[cur.status].includes(status)) {
        throw new SerError('bad-input', `run ${id} is ${cur.status} and cannot become ${status}`, { id, from: cur.status, to: status });
      }
      const now = Date.now();
      const live = status === 'running' || status === 'queued';
      this.db
        .prepare(
          `UPDATE runs SET status = @status,
             started_at = CASE WHEN @status = 'running' THEN coalesce(started_at, @now) ELSE started_at END,
             ${OWNERSHIP_SET_SQL}
           WHERE id = @id`,
        )
        .run({ id, status, now, live: live ? 1 : 0, pid: me.pid, host: me.host, pidStart: me.start, error: opts.error ?? null });
    });
    if (status === 'running' || status === 'queued') claim('run', this.ctx.path, id);
    else release('run', this.ctx.path, id);
    return this.require(id);
  }

  /** Records one finished epoch, committed before returning. Re-recording an epoch replaces it. */
  addEpoch(runId: number, e: EpochInput): EpochRecord {
    return this.#epochs.add(runId, e);
  }

  /** Forgets the run's epochs (and their validation evaluations, checkpoints and best models) from epoch `from` on. */
  dropEpochsFrom(runId: number, from: number): void {
    this.#epochs.dropFrom(runId, from);
  }

  /** Epochs of a run in order (empty for an unknown run). */
  epochs(runId: number): EpochRecord[] {
    return this.#epochs.list(runId);
  }

  addTags(id: number, tags: string[]): RunRecord {
    const clean = tags.map(checkTag);
    this.ctx.write(() => {
      if (!this.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(id)) throw new SerError('not-found', `no run with id ${id}`, { id });
      this.insertTags(id, clean);
    });
    return this.require(id);
  }

  /** Returns false when the run did not have the tag. */
  removeTag(id: number, tag: string): boolean {
    return this.ctx.write(() => {
      if (!this.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(id)) throw new SerError('not-found', `no run with id ${id}`, { id });
      return this.db.prepare('DELETE FROM run_tags WHERE run_id = ? AND tag = ?').run(id, tag.trim()).changes > 0;
    });
  }

  /**
   * Deletes a run with its epochs, evaluations, tags and model rows (model files on disk are left alone).
   * A run still driven by a live process is refused: stop it first.
   */
  delete(id: number): boolean {
    const deleted = this.ctx.write(() => {
      const row = this.db.prepare('SELECT status, pid, host, pid_start FROM runs WHERE id = ?').get(id) as
        | Pick<RunRow, 'status' | 'pid' | 'host' | 'pid_start'>
        | undefined;
      if (!row) return false;
      if ((row.status === 'running' || row.status === 'queued') && this.ownerAlive(id, row)) {
        throw new SerError('bad-input', `run ${id} is ${row.status} in process ${row.pid}; stop it before deleting it`, { id, pid: row.pid });
      }
      return this.db.prepare('DELETE FROM runs WHERE id = ?').run(id).changes > 0;
    });
    if (deleted) release('run', this.ctx.path, id);
    return deleted;
  }

  /**
   * Crash recovery, run on open: every queued/running run whose owner is gone becomes `interrupted`, with
   * ended_at = its last sign of life (last epoch, else its start). Returns the ids it marked.
   */
  recoverInterrupted(): number[] {
    return recoverOrphans(this.ctx, RUN_ORPHANS);
  }

  private ownerAlive(id: number, row: Pick<RunRow, 'pid' | 'host' | 'pid_start'>): boolean {
    return ownerAlive('run', this.ctx.path, id, row);
  }

  private insertTags(runId: number, tags: string[]): void {
    const ins = this.db.prepare('INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)');
    for (const t of tags) ins.run(runId, checkTag(t));
  }
}
