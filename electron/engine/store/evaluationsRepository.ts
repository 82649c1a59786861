/**
 * Evaluations of a run on its val or test split: headline metrics plus the confusion matrix and the
 * per-class figures, always over the 8 emotions in EMOTIONS order (zero rows for absent classes).
 */
import { SerError } from '../../shared/errors.js';
import { EMOTIONS } from '../../shared/labels.js';
import { StoreContext, isoRequired, parseJson, toJson } from './context.js';
import type { ClassMetrics, EvaluationInput, EvaluationRecord, EvaluationSplit } from './types.js';

interface EvaluationRow {
  id: number;
  run_id: number;
  split: EvaluationSplit;
  epoch: number | null;
  accuracy: number;
  uar: number;
  macro_f1: number;
  weighted_f1: number;
  confusion: string;
  per_class: string;
  created_at: number;
}

function toEvaluation(r: EvaluationRow): EvaluationRecord {
  return {
    id: r.id,
    runId: r.run_id,
    split: r.split,
    epoch: r.epoch,
    accuracy: r.accuracy,
    uar: r.uar,
    macroF1: r.macro_f1,
    weightedF1: r.weighted_f1,
    confusion: parseJson(r.confusion) as number[][],
    perClass: parseJson(r.per_class) as ClassMetrics[],
    createdAt: isoRequired(r.created_at),
  };
}

function validate(e: EvaluationInput): void {
  const n = EMOTIONS.length;
  if (e.split !== 'val' && e.split !== 'test') throw new SerError('bad-input', `evaluation split must be 'val' or 'test', got '${String(e.split)}'`);
  for (const [k, v] of [
    ['accuracy', e.accuracy],
    ['uar', e.uar],
    ['macroF1', e.macroF1],
    ['weightedF1', e.weightedF1],
  ] as const) {
    if (!Number.isFinite(v) || v < 0 || v > 1) throw new SerError('bad-input', `evaluation ${k} must be in [0, 1], got ${v}`);
  }
  const square = Array.isArray(e.confusion) && e.confusion.length === n && e.confusion.every((row) => Array.isArray(row) && row.length === n);
  if (!square || !e.confusion.flat().every((c) => Number.isInteger(c) && c >= 0)) {
    throw new SerError('bad-input', `confusion matrix must be ${n}×${n} non-negative counts in EMOTIONS order`);
  }
  if (!Array.isArray(e.perClass) || e.perClass.length !== n || e.perClass.some((c, i) => c.label !== EMOTIONS[i])) {
    throw new SerError('bad-input', `per-class metrics must list the ${n} emotions in order: ${EMOTIONS.join(', ')}`);
  }
}

export class EvaluationsRepository {
  constructor(private readonly ctx: StoreContext) {}

  add(input: EvaluationInput): EvaluationRecord {
    validate(input);
    const now = Date.now();
    const id = this.ctx.write(() => {
      if (!this.ctx.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(input.runId)) {
        throw new SerError('not-found', `no run with id ${input.runId}`, { id: input.runId });
      }
      const info = this.ctx.db
        .prepare(
          `INSERT INTO evaluations (run_id, split, epoch, accuracy, uar, macro_f1, weighted_f1, confusion, per_class, created_at)
           VALUES (@runId, @split, @epoch, @accuracy, @uar, @macroF1, @weightedF1, @confusion, @perClass, @now)`,
        )
        .run({
          runId: input.runId,
          split: input.split,
          epoch: input.epoch ?? null,
          accuracy: input.accuracy,
          uar: input.uar,
          macroF1: input.macroF1,
          weightedF1: input.weightedF1,
          confusion: toJson(input.confusion),
          perClass: toJson(input.perClass),
          now,
        });
      return Number(info.lastInsertRowid);
    });
    return this.get(id)!;
  }

  get(id: number): EvaluationRecord | undefined {
    const row = this.ctx.read(() => this.ctx.db.prepare('SELECT * FROM evaluations WHERE id = ?').get(id) as EvaluationRow | undefined);
    return row ? toEvaluation(row) : undefined;
  }

  /** In the order they were recorded. */
  listForRun(runId: number, split?: EvaluationSplit): EvaluationRecord[] {
    const rows = this.ctx.read(
      () =>
        this.ctx.db
          .prepare(`SELECT * FROM evaluations WHERE run_id = @runId ${split ? 'AND split = @split' : ''} ORDER BY id`)
          .all(split ? { runId, split } : { runId }) as EvaluationRow[],
    );
    return rows.map(toEvaluation);
  }
}
