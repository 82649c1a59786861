/**
 * "Keep this session": the predictions of a live session are held in memory while it runs, and written to the
 * store (`store.live`) only once the user keeps it — during the session or after it stopped, so deciding late
 * loses nothing. A kept session is flushed in small batches (one transaction each) as predictions arrive and
 * ended when the microphone stops; un-keeping deletes its row (and predictions) but the memory copy stays, so
 * the toggle can flip back. The row is created when first kept, so the real start (and, when kept after the
 * stop, the real end) are carried in its config and preferred by the listing.
 */
import { EMOTIONS, type Emotion } from '../shared/labels.js';
import type { Store } from '../engine/store/index.js';
import type { LivePredictionInput, LiveSessionRecord } from '../engine/store/types.js';
import type { LiveKeepResult, LiveSessionDetail, LiveSessionRow } from '../contract/types.js';
import type { LiveEvent } from '../engine/live/streamingClassifier.js';

/** Predictions held in memory per session (≈ 5.5 h at one window every 0.5 s); older ones are dropped past it. */
const MAX_HELD = 40_000;
/** Kept predictions are written once this many are waiting (and when the session ends). */
const FLUSH_EVERY = 10;

export interface KeeperInfo {
  runId: number | null;
  modelId: number | null;
  /** The recorded ensemble it listens with, if any. */
  ensembleId: number | null;
  device: string;
  /** What the session ran with (model folder, backend, windows): stored as the session's config. */
  config: Record<string, unknown>;
}

/** A classifier event as a kept prediction: the top emotion's index (0 for a silent window). */
export function toKeptPrediction(e: LiveEvent): LivePredictionInput {
  const top = e.voiced ? EMOTIONS.indexOf(e.top as Emotion) : 0;
  return { t: e.t, probs: e.probs, top: top < 0 ? 0 : top, confidence: e.confidence, rms: e.rms, voiced: e.voiced, latencyMs: e.latencyMs };
}

export class SessionKeeper {
  readonly #store: Store;
  readonly #info: KeeperInfo;
  readonly #startedAt = new Date().toISOString();
  #endedAt: string | null = null;
  readonly #held: LivePredictionInput[] = [];
  /** How many of `#held` are in the store (kept sessions only). */
  #written = 0;
  #rowId: number | null = null;

  constructor(store: Store, info: KeeperInfo, keep: boolean) {
    this.#store = store;
    this.#info = info;
    if (keep) this.keep(true);
  }

  get kept(): boolean {
    return this.#rowId !== null;
  }
  get rowId(): number | null {
    return this.#rowId;
  }
  get ended(): boolean {
    return this.#endedAt !== null;
  }

  add(p: LivePredictionInput): void {
    if (this.ended) return;
    this.#held.push(p);
    if (this.#held.length > MAX_HELD) {
      const drop = this.#held.length - MAX_HELD;
      this.#held.splice(0, drop);
      this.#written = Math.max(0, this.#written - drop);
    }
    if (this.kept && this.#held.length - this.#written >= FLUSH_EVERY) this.#flush();
  }

  /** The microphone stopped: a kept session gets its last predictions and its end time. */
  end(): void {
    if (this.ended) return;
    this.#endedAt = new Date().toISOString();
    if (this.#rowId !== null) {
      this.#flush();
      this.#store.live.endSession(this.#rowId);
    }
  }

  keep(keep: boolean): LiveKeepResult {
    if (keep && this.#rowId === null) {
      const row = this.#store.live.createSession({
        runId: this.#info.runId,
        modelId: this.#info.modelId,
        ensembleId: this.#info.ensembleId,
        device: this.#info.device,
        config: { ...this.#info.config, startedAt: this.#startedAt, ...(this.#endedAt ? { endedAt: this.#endedAt } : {}) },
      });
      this.#rowId = row.id;
      this.#written = 0;
      this.#flush();
      if (this.ended) this.#store.live.endSession(row.id);
    } else if (!keep && this.#rowId !== null) {
      this.#store.live.deleteSession(this.#rowId);
      this.#rowId = null;
      this.#written = 0;
    }
    return { kept: this.kept, sessionId: this.#rowId, predictions: this.#held.length };
  }

  #flush(): void {
    if (this.#rowId === null || this.#written >= this.#held.length) return;
    const batch = this.#held.slice(this.#written);
    this.#store.live.addPredictions(this.#rowId, batch);
    this.#written = this.#held.length;
  }
}

/** A store session as the Live view lists it (real start/end from its config when the keeper recorded them). */
export function sessionRow(store: Store, s: LiveSessionRecord, currentRowId: number | null): LiveSessionRow {
  const preds = store.live.predictions(s.id);
  const config = (s.config && typeof s.config === 'object' ? s.config : {}) as { startedAt?: unknown; endedAt?: unknown; builtIn?: unknown };
  const counts = new Array<number>(EMOTIONS.length).fill(0);
  for (const p of preds) if (p.voiced) counts[p.top]!++;
  const best = counts.reduce((b, c, i) => (c > counts[b]! ? i : b), 0);
  const run = s.runId === null ? undefined : store.runs.get(s.runId);
  const ensemble = s.ensembleId === null ? undefined : store.ensembles.get(s.ensembleId);
  return {
    id: s.id,
    runId: s.runId,
    runName: run?.name ?? null,
    builtIn: config.builtIn === true,
    ensembleId: s.ensembleId,
    ensembleName: ensemble?.name ?? null,
    device: s.device,
    startedAt: typeof config.startedAt === 'string' ? config.startedAt : s.startedAt,
    endedAt: typeof config.endedAt === 'string' ? config.endedAt : s.endedAt,
    durationSec: preds.length ? Math.round((preds.at(-1)!.t - preds[0]!.t) * 10) / 10 : null,
    predictionCount: s.predictionCount,
    dominant: counts[best]! > 0 ? (EMOTIONS[best] as Emotion) : null,
    current: s.id === currentRowId,
  };
}

export function sessionDetail(store: Store, s: LiveSessionRecord, currentRowId: number | null): LiveSessionDetail {
  return {
    session: sessionRow(store, s, currentRowId),
    predictions: store.live.predictions(s.id).map((p) => ({
      t: p.t,
      top: p.voiced ? (EMOTIONS[p.top] as Emotion) : 'silence',
      confidence: p.confidence,
      probs: p.probs,
    })),
  };
}
