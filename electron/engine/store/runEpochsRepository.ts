/**
 * The epochs of runs: one row per finished epoch, each committed before `add` returns, so a trainer killed at any
 * moment keeps every epoch it had reported. Reached through `store.runs.addEpoch` / `store.runs.epochs`.
 */
import { SerError } from '../../shared/errors.js';
import { StoreContext, isoRequired } from './context.js';
import { FINAL_STATUSES, type RunStatus } from '../../shared/runStatus.js';
import type { EpochInput, EpochRecord } from './types.js';

interface EpochRow {
  run_id: number;
  epoch: number;
  train_loss: number | null;
  train_accuracy: number | null;
  val_loss: number | null;
  val_accuracy: number | null;
  learning_rate: number | null;
  duration_ms: number | null;
  samples_per_sec: number | null;
  created_at: number;
}

function toEpoch(row: EpochRow): EpochRecord {
  return {
    runId: row.run_id,
    epoch: row.epoch,
    trainLoss: row.train_loss,
    trainAccuracy: row.train_accuracy,
    valLoss: row.val_loss,
    valAccuracy: row.val_accuracy,
    learningRate: row.learning_rate,
    durationMs: row.duration_ms,
    samplesPerSec: row.samples_per_sec,
    createdAt: isoRequired(row.created_at),
  };
}

function finiteOrNull(name: string, v: number | null | undefined): number | null {
  if (v === null || v === undefined) return null;
  if (!Number.isFinite(v)) throw new SerError('bad-input', `${name} must be a finite number, got ${v}`);
  return v;
}

export class RunEpochsRepository {
  constructor(private readonly ctx: StoreContext) {}

  /** Records one finished epoch, committed before returning. Re-recording an epoch replaces it. */
  add(runId: number, e: EpochInput): EpochRecord {
    if (!Number.isInteger(e.epoch) || e.epoch < 0) throw new SerError('bad-input', `epoch must be a non-negative integer, got ${e.epoch}`);
    const row: EpochRow = {
      run_id: runId,
      epoch: e.epoch,
      train_loss: finiteOrNull('trainLoss', e.trainLoss),
      train_accuracy: finiteOrNull('trainAccuracy', e.trainAccuracy),
      val_loss: finiteOrNull('valLoss', e.valLoss),
      val_accuracy: finiteOrNull('valAccuracy', e.valAccuracy),
      learning_rate: finiteOrNull('learningRate', e.learningRate),
      duration_ms: finiteOrNull('durationMs', e.durationMs),
      samples_per_sec: finiteOrNull('samplesPerSec', e.samplesPerSec),
      created_at: Date.now(),
    };
    this.ctx.write(() => {
      const run = this.ctx.db.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as { status: RunStatus } | undefined;
      if (!run) throw new SerError('not-found', `no run with id ${runId}`, { id: runId });
      if (FINAL_STATUSES.includes(run.status)) throw new SerError('bad-input', `run ${runId} is ${run.status}; it takes no more epochs`);
      this.ctx.db
        .prepare(
          `INSERT OR REPLACE INTO epochs (run_id, epoch, train_loss, train_accuracy, val_loss, val_accuracy, learning_rate,
                                          duration_ms, samples_per_sec, created_at)
           VALUES (@run_id, @epoch, @train_loss, @train_accuracy, @val_loss, @val_accuracy, @learning_rate, @duration_ms, @samples_per_sec, @created_at)`,
        )
        .run(row);
    });
    return toEpoch(row);
  }

  /**
   * Forgets what a run recorded from epoch `from` on: its epochs, its validation evaluations and its checkpoint and
   * best-model entries. For a trial started again after its worker died: the new attempt re-reports those epochs
   * (from its last checkpoint, or all of them), and each must be recorded once.
   */
  dropFrom(runId: number, from: number): void {
    this.ctx.write(() => {
      this.ctx.db.prepare('DELETE FROM epochs WHERE run_id = ? AND epoch >= ?').run(runId, from);
      this.ctx.db.prepare("DELETE FROM evaluations WHERE run_id = ? AND split = 'val' AND epoch >= ?").run(runId, from);
      this.ctx.db.prepare("DELETE FROM models WHERE run_id = ? AND kind IN ('checkpoint','best') AND (epoch IS NULL OR epoch >= ?)").run(runId, from);
    });
  }

  /** Epochs of a run in order (empty for an unknown run). */
  list(runId: number): EpochRecord[] {
    const rows = this.ctx.read(() => this.ctx.db.prepare('SELECT * FROM epochs WHERE run_id = ? ORDER BY epoch').all(runId) as EpochRow[]);
    return rows.map(toEpoch);
  }
}
