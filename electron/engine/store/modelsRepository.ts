/** Model files a run produced: periodic checkpoints, the best one so far, and user exports. */
import { SerError } from '../../shared/errors.js';
import { StoreContext, isoRequired } from './context.js';
import type { ModelInput, ModelKind, ModelRecord } from './types.js';

interface ModelRow {
  id: number;
  run_id: number;
  kind: ModelKind;
  path: string;
  epoch: number | null;
  metric: number | null;
  metric_name: string | null;
  created_at: number;
}

function toModel(r: ModelRow): ModelRecord {
  return {
    id: r.id,
    runId: r.run_id,
    kind: r.kind,
    path: r.path,
    epoch: r.epoch,
    metric: r.metric,
    metricName: r.metric_name,
    createdAt: isoRequired(r.created_at),
  };
}

export class ModelsRepository {
  constructor(private readonly ctx: StoreContext) {}

  add(input: ModelInput): ModelRecord {
    if (!['checkpoint', 'best', 'export'].includes(input.kind)) throw new SerError('bad-input', `model kind must be checkpoint, best or export, got '${String(input.kind)}'`);
    if (!input.path) throw new SerError('bad-input', 'a model needs the path of its files');
    const id = this.ctx.write(() => {
      if (!this.ctx.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(input.runId)) {
        throw new SerError('not-found', `no run with id ${input.runId}`, { id: input.runId });
      }
      const info = this.ctx.db
        .prepare(
          `INSERT INTO models (run_id, kind, path, epoch, metric, metric_name, created_at)
           VALUES (@runId, @kind, @path, @epoch, @metric, @metricName, @now)`,
        )
        .run({
          runId: input.runId,
          kind: input.kind,
          path: input.path,
          epoch: input.epoch ?? null,
          metric: input.metric ?? null,
          metricName: input.metricName ?? null,
          now: Date.now(),
        });
      return Number(info.lastInsertRowid);
    });
    return this.get(id)!;
  }

  get(id: number): ModelRecord | undefined {
    const row = this.ctx.read(() => this.ctx.db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow | undefined);
    return row ? toModel(row) : undefined;
  }

  listForRun(runId: number, kind?: ModelKind): ModelRecord[] {
    const rows = this.ctx.read(
      () =>
        this.ctx.db
          .prepare(`SELECT * FROM models WHERE run_id = @runId ${kind ? 'AND kind = @kind' : ''} ORDER BY id`)
          .all(kind ? { runId, kind } : { runId }) as ModelRow[],
    );
    return rows.map(toModel);
  }

  /** The latest 'best' model of a run (what live inference loads by default). */
  bestForRun(runId: number): ModelRecord | undefined {
    const all = this.listForRun(runId, 'best');
    return all[all.length - 1];
  }

  delete(id: number): boolean {
    return this.ctx.write(() => this.ctx.db.prepare('DELETE FROM models WHERE id = ?').run(id).changes > 0);
  }
}
