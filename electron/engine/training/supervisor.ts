/**
 * What a training session (session.ts) and a tuning session (tuneSession.ts) both do on the caller's thread around
 * their worker: hand events to listeners, promise the run id before the run exists, compute the features the
 * worker will read, and watch the worker until the run ends. Whatever ends it — the worker's last message, a store
 * error, a crash, an exit nobody asked for — the run gets one final status and one final event.
 */
import type { Worker } from 'node:worker_threads';
import type { FeatureCache, CacheEntryRef } from '../dataset/featureCache.js';
import { SerError } from '../../shared/errors.js';
import { EMOTIONS } from '../../shared/labels.js';
import { openStore, type Store } from '../store/index.js';
import type { ClassMetrics as StoredClassMetrics } from '../store/types.js';
import type { PlannedSample } from './plan.js';
import type { Metrics } from './types.js';

interface SessionEvent {
  event: string;
}

/** Events sessions share: progress of the preparation, and the failure that can end any of them. */
type Preparing = { event: 'preparing'; runId: number | null; done: number; total: number };
type Failed = { event: 'failed'; runId: number | null; error: string };

/**
 * The caller's side of a session: its listeners, its run id (a promise resolved once the run is recorded) and the
 * path every failure takes.
 */
export class SessionCore<E extends SessionEvent> {
  readonly #listeners = new Set<(e: E) => void>();
  readonly #replay = new Map<string, E>();
  readonly #replayed: ReadonlySet<string>;
  #lastPreparing = 0;
  #resolveRunId!: (id: number) => void;
  #rejectRunId!: (err: Error) => void;
  /** The run this session drives, once known (a resumed run's from the start; a new one's once recorded). */
  runIdValue: number | null = null;
  readonly runId: Promise<number>;

  /** `replayed`: kinds of event a late listener gets at once, the latest of each. */
  constructor(replayed: ReadonlyArray<E['event']> = []) {
    this.#replayed = new Set(replayed);
    this.runId = new Promise<number>((res, rej) => {
      this.#resolveRunId = res;
      this.#rejectRunId = rej;
    });
    this.runId.catch(() => undefined); // callers that never await it must not see an unhandled rejection
  }

  readonly emit = (e: E): void => {
    if (e.event === 'preparing') {
      // Progress, not history: at most ~5 per second, plus the last one of each stage.
      const p = e as unknown as Preparing;
      const now = Date.now();
      if (p.done < p.total && now - this.#lastPreparing < 200) return;
      this.#lastPreparing = now;
    }
    if (this.#replayed.has(e.event)) this.#replay.set(e.event, e);
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch {
        /* a listener's bug must not stop the session */
      }
    }
  };

  onEvent(listener: (e: E) => void): () => void {
    for (const e of this.#replay.values()) listener(e);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The run is in the store: `runId` resolves. */
  recorded(id: number): void {
    this.runIdValue = id;
    this.#resolveRunId(id);
  }

  /**
   * Runs the session's body with a store it opens on first use and always closes. Anything the body throws ends
   * the session as a `failed` event (the run, if recorded, marked failed) and rejects `runId` if still pending.
   */
  async run(dbPath: string, body: (store: () => Store) => Promise<E>): Promise<E> {
    let store: Store | undefined;
    try {
      return await body(() => (store ??= openStore(dbPath)));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (this.runIdValue !== null && store) markFailed(store, this.runIdValue, message);
      this.#rejectRunId(err instanceof Error ? err : new Error(message));
      const e: Failed = { event: 'failed', runId: this.runIdValue, error: message };
      this.emit(e as unknown as E);
      return e as unknown as E;
    } finally {
      store?.close();
    }
  }
}

/** Marks a run failed, keeping the original error if the store itself is what failed. */
export function markFailed(store: Store, runId: number, error: string): void {
  try {
    store.runs.setStatus(runId, 'failed', { error });
  } catch {
    /* keep the original error */
  }
}

/** How a session reads its worker. */
export interface WorkerWatch<M, E> {
  /** Stores and emits what a message says; returns the final event when the message ends the run. */
  handle(m: M): E | undefined;
  /** Records a failure (a store error while handling a message, the worker's own error); returns the final event. */
  failed(error: string): E;
  /** Records an exit before the final message; returns the final event. */
  exited(code: number): E;
  emit(e: E): void;
}

export interface Supervised<E> {
  /** Settles with the final event. */
  readonly done: Promise<E>;
  /** Ends the run from outside with `e` (emitted, the worker terminated); no-op once ended. */
  finish(e: E): void;
}

/** Watches `worker` until the run ends, then emits the final event and terminates the worker. */
export function superviseWorker<M, E>(worker: Worker, watch: WorkerWatch<M, E>, label: string): Supervised<E> {
  let settled = false;
  let resolve!: (e: E) => void;
  const done = new Promise<E>((r) => (resolve = r));
  const finish = (e: E) => {
    if (settled) return;
    settled = true;
    watch.emit(e);
    resolve(e);
    void worker.terminate();
  };
  worker.on('message', (m: M) => {
    try {
      const end = watch.handle(m);
      if (end) finish(end);
    } catch (err) {
      // A store error (disk full, locked) fails the run clearly; what was committed stays.
      finish(watch.failed((err as Error).message));
    }
  });
  worker.on('error', (err) => finish(watch.failed(`${label} crashed: ${err.message}`)));
  worker.on('exit', (code) => {
    if (!settled) finish(watch.exited(code));
  });
  return { done, finish };
}

/** Computes (or finds cached) the features of every sample, each once; a file that fails fails the session. */
export async function ensureFeatures(
  cache: FeatureCache,
  samples: PlannedSample[],
  opts: { workers?: number | undefined; onProgress: (p: { done: number; total: number; etaMs: number }) => void },
): Promise<void> {
  const unique = new Map<string, CacheEntryRef>();
  for (const s of samples) unique.set(s.key, s);
  const ext = await cache.ensure([...unique.values()], { ...(opts.workers !== undefined ? { workers: opts.workers } : {}), onProgress: opts.onProgress });
  if (ext.failed.length) {
    throw new SerError('corrupt', `features could not be computed for ${ext.failed.length} file(s): ${ext.failed.slice(0, 3).map((f) => f.reason).join('; ')}`);
  }
}

/** Per-class metrics as the store keeps them (in label order). */
export function toStoredPerClass(m: Metrics): StoredClassMetrics[] {
  return EMOTIONS.map((e) => ({ label: e, ...m.perClass[e] }));
}

/** "2025-01-31 14:05": the time part of a default run name. */
export function runNameStamp(): string {
  return new Date().toISOString().slice(0, 16).replace('T', ' ');
}
