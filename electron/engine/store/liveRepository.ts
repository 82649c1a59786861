/**
 * Live sessions (one microphone run of a model) and their predictions. Predictions arrive several times
 * a second: `addPredictions` takes a batch in one transaction so a caller can buffer and flush.
 */
import { SerError } from '../../shared/errors.js';
import { EMOTIONS, isEmotionIndex } from '../../shared/labels.js';
import { StoreContext, iso, isoRequired, parseJson, toJson } from './context.js';
import type { LivePredictionInput, LivePredictionRecord, LiveSessionInput, LiveSessionRecord } from './types.js';

interface SessionRow {
  id: number;
  model_id: number | null;
  run_id: number | null;
  ensemble_id: number | null;
  device: string | null;
  config: string | null;
  started_at: number;
  ended_at: number | null;
  prediction_count: number;
}

interface PredictionRow {
  id: number;
  session_id: number;
  t: number;
  probs: string;
  top: number;
  confidence: number;
  rms: number | null;
  voiced: number;
  latency_ms: number | null;
}

const SESSION_COLUMNS = 's.*, (SELECT count(*) FROM live_predictions p WHERE p.session_id = s.id) AS prediction_count';

function toSession(r: SessionRow): LiveSessionRecord {
  return {
    id: r.id,
    modelId: r.model_id,
    runId: r.run_id,
    ensembleId: r.ensemble_id,
    device: r.device,
    config: parseJson(r.config),
    startedAt: isoRequired(r.started_at),
    endedAt: iso(r.ended_at),
    predictionCount: r.prediction_count,
  };
}

function toPrediction(r: PredictionRow): LivePredictionRecord {
  return {
    id: r.id,
    sessionId: r.session_id,
    t: r.t,
    probs: parseJson(r.probs) as number[],
    top: r.top,
    confidence: r.confidence,
    rms: r.rms,
    voiced: r.voiced === 1,
    latencyMs: r.latency_ms,
  };
}

function checkPrediction(p: LivePredictionInput): void {
  if (!Array.isArray(p.probs) || p.probs.length !== EMOTIONS.length || !p.probs.every(Number.isFinite)) {
    throw new SerError('bad-input', `a live prediction needs ${EMOTIONS.length} finite probabilities in EMOTIONS order`);
  }
  if (!isEmotionIndex(p.top)) throw new SerError('bad-input', `top must be an emotion index 0–${EMOTIONS.length - 1}, got ${p.top}`);
  if (!Number.isFinite(p.t) || !Number.isFinite(p.confidence)) throw new SerError('bad-input', 't and confidence must be finite numbers');
}

export class LiveRepository {
  constructor(private readonly ctx: StoreContext) {}

  createSession(input: LiveSessionInput = {}): LiveSessionRecord {
    const id = this.ctx.write(() =>
      Number(
        this.ctx.db
          .prepare('INSERT INTO live_sessions (model_id, run_id, ensemble_id, device, config, started_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(input.modelId ?? null, input.runId ?? null, input.ensembleId ?? null, input.device ?? null, input.config === undefined ? null : toJson(input.config), Date.now())
          .lastInsertRowid,
      ),
    );
    return this.getSession(id)!;
  }

  endSession(id: number): LiveSessionRecord {
    const changed = this.ctx.write(
      () => this.ctx.db.prepare('UPDATE live_sessions SET ended_at = coalesce(ended_at, ?) WHERE id = ?').run(Date.now(), id).changes,
    );
    if (changed === 0) throw new SerError('not-found', `no live session with id ${id}`, { id });
    return this.getSession(id)!;
  }

  getSession(id: number): LiveSessionRecord | undefined {
    const row = this.ctx.read(() => this.ctx.db.prepare(`SELECT ${SESSION_COLUMNS} FROM live_sessions s WHERE s.id = ?`).get(id) as SessionRow | undefined);
    return row ? toSession(row) : undefined;
  }

  listSessions(opts: { limit?: number } = {}): LiveSessionRecord[] {
    const rows = this.ctx.read(
      () =>
        this.ctx.db
          .prepare(`SELECT ${SESSION_COLUMNS} FROM live_sessions s ORDER BY s.started_at DESC, s.id DESC LIMIT ?`)
          .all(opts.limit ?? -1) as SessionRow[],
    );
    return rows.map(toSession);
  }

  addPrediction(sessionId: number, p: LivePredictionInput): void {
    this.addPredictions(sessionId, [p]);
  }

  /** Appends a batch of predictions in one transaction. */
  addPredictions(sessionId: number, batch: readonly LivePredictionInput[]): void {
    batch.forEach(checkPrediction);
    this.ctx.write(() => {
      const s = this.ctx.db.prepare('SELECT ended_at FROM live_sessions WHERE id = ?').get(sessionId) as { ended_at: number | null } | undefined;
      if (!s) throw new SerError('not-found', `no live session with id ${sessionId}`, { id: sessionId });
      if (s.ended_at !== null) throw new SerError('bad-input', `live session ${sessionId} has ended; start a new one`);
      const ins = this.ctx.db.prepare(
        `INSERT INTO live_predictions (session_id, t, probs, top, confidence, rms, voiced, latency_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const p of batch) ins.run(sessionId, p.t, toJson(p.probs), p.top, p.confidence, p.rms ?? null, p.voiced ? 1 : 0, p.latencyMs ?? null);
    });
  }

  /** Predictions of a session by time, optionally from time `fromT` (seconds) on. */
  predictions(sessionId: number, opts: { fromT?: number; limit?: number } = {}): LivePredictionRecord[] {
    const rows = this.ctx.read(
      () =>
        this.ctx.db
          .prepare('SELECT * FROM live_predictions WHERE session_id = ? AND t >= ? ORDER BY t, id LIMIT ?')
          .all(sessionId, opts.fromT ?? -Infinity, opts.limit ?? -1) as PredictionRow[],
    );
    return rows.map(toPrediction);
  }

  deleteSession(id: number): boolean {
    return this.ctx.write(() => this.ctx.db.prepare('DELETE FROM live_sessions WHERE id = ?').run(id).changes > 0);
  }
}
