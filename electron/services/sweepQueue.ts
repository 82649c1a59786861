/**
 * Sweeps across machines on a BullMQ work queue (Redis). Nothing here schedules: BullMQ hands trials to workers,
 * renews their locks, moves a dead worker's trial back to the queue for another (stalled-job recovery), carries
 * progress and results, and removes jobs. This module only says what a trial job holds and how each side reads it.
 *
 * - The coordinator (`queueTrials`, behind `ser sweep --queue`) records each trial's run as queued, adds one job per
 *   trial, records the progress every start of the trial reports (QueueEvents `progress`, from `job.updateProgress`)
 *   through the engine's RemoteTrialRecorder, and the result (metrics and the exported model's bytes) when the job
 *   completes. Cancelling removes the trials still waiting and asks the workers of the running ones to stop them (a
 *   custom queue event that each worker answers with `worker.cancelJob`, the processor's abort signal).
 * - A worker (`startTrialWorker`, behind `ser worker`) validates every job against TrialJobSchema and the training
 *   options schema (`trialRecipe`) before it trains anything; a job that fails validation, names data the worker
 *   does not have, or is cancelled fails without a retry (UnrecoverableError). It runs a fixed thing, a training
 *   run, never code or commands from the queue.
 *
 * Redis client: BullMQ 6 makes ioredis an optional peer dependency, and its ESM build cannot load it on its own, so
 * the client is constructed here from the queue URL (redisUrl.ts) and handed to BullMQ.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import { Queue, QueueEvents, QueueEventsProducer, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { z } from 'zod';
import { SerError } from '../shared/errors.js';
import { ModelOverridesSchema, trainingField } from '../contract/trainingOptions.js';
import { openStore } from '../engine/store/index.js';
import { recordQueuedTrial, RemoteTrialRecorder, requeueTrial, trainRemoteTrial, type RemoteTrialResult, type TrialMessage, type TrialProgress } from '../engine/training/remoteTrial.js';
import type { TrialRunner } from '../engine/training/sweep.js';
import type { TrainEvent, TrainingEnv, TrainOptions } from '../engine/training/types.js';
import type { WorkerMessage } from '../engine/training/protocol.js';
import { queueLabel, redisOptions } from './redisUrl.js';
import { recipeOptions, trialRecipe } from './sweepRecipes.js';

/** The one queue trials go through (Redis keys `bull:vox-affect-trials:*`). */
export const TRIAL_QUEUE = 'vox-affect-trials';
/** The custom queue event a coordinator publishes to stop running trials. */
const CANCEL_EVENT = 'vox-affect-cancel';

const Id = z.number().int().positive();
const Speakers = z.array(z.string().min(1).max(64)).max(1000);
const SplitSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('random'), seed: trainingField('seed'), valFraction: z.number().min(0).max(0.5).optional(), testFraction: z.number().min(0).max(0.5).optional() }).strict(),
  z
    .object({
      kind: z.literal('speaker'),
      seed: trainingField('seed'),
      testSpeakers: Speakers.optional(),
      valSpeakers: Speakers.optional(),
      fold: z.number().int().min(0).max(999).optional(),
      folds: z.number().int().min(2).max(1000).optional(),
      valSpeakerCount: z.number().int().min(0).max(1000).optional(),
    })
    .strict(),
  z.object({ kind: z.literal('all'), seed: trainingField('seed') }).strict(),
]);

/** A trial job, as a worker accepts it. Its recipe is further parsed by the training options schema. */
export const TrialJobSchema = z
  .object({
    sweepId: Id,
    trialId: Id,
    runId: Id,
    runUuid: z.uuid(),
    name: z.string().min(1).max(400),
    dataset: z
      .object({
        name: z.string().min(1).max(255).regex(/^[^/\\]+$/, 'a folder name'),
        fingerprint: z.string().regex(/^[0-9a-f]{64}$/, 'a sha-256 in hex'),
        path: z.string().min(1).max(4096),
      })
      .strict(),
    recipe: z.record(z.string(), z.unknown()),
    model: ModelOverridesSchema.optional(),
    split: SplitSchema,
    /** A resumed trial: the epochs the coordinator has recorded (see RemoteTrialSpec). */
    recordedEpochs: z.number().int().min(0).max(100_000).optional(),
  })
  .strict();
export type TrialJobData = z.infer<typeof TrialJobSchema>;

interface RedisClient {
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}
type RedisCtor = new (options: Record<string, unknown>) => RedisClient;

/** ioredis, loaded on first use (only queue users need it). */
async function redisDriver(): Promise<RedisCtor> {
  // A variable specifier: ioredis is an optional dependency the compiler may not find installed.
  const name = 'ioredis';
  try {
    const mod = (await import(name)) as { Redis?: RedisCtor; default?: RedisCtor };
    const ctor = mod.Redis ?? mod.default;
    if (typeof ctor === 'function') return ctor;
  } catch {
    /* told below */
  }
  throw new SerError('unsupported', "a work queue needs the 'ioredis' package (the Redis client BullMQ drives; an optional dependency of bullmq 6), and it is not installed: npm install ioredis");
}

/** The Redis clients one side opens (one per BullMQ object), closed together. */
class Connections {
  readonly #clients: RedisClient[] = [];
  #lastError: string | undefined;
  constructor(private readonly url: string) {}

  get lastError(): string | undefined {
    return this.#lastError;
  }

  async open(): Promise<ConnectionOptions> {
    const Redis = await redisDriver();
    // BullMQ's blocking commands need maxRetriesPerRequest: null; ioredis reconnects by itself after a Redis restart.
    const client = new Redis({ ...redisOptions(this.url), maxRetriesPerRequest: null });
    client.on('error', (err: unknown) => (this.#lastError = err instanceof Error ? err.message : String(err)));
    this.#clients.push(client);
    return client as unknown as ConnectionOptions;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#clients.map((c) => c.quit().catch(() => c.disconnect())));
  }
}

/** Waits for BullMQ's connections, failing with the queue's name (never its password) after `ms`. */
async function reachable(ready: Promise<unknown>, url: string, conns: Connections, ms = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SerError('io', `cannot reach the queue at ${queueLabel(url)}${conns.lastError ? `: ${conns.lastError}` : ''}`)), ms);
  });
  try {
    await Promise.race([ready, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const isProgress = (d: unknown): d is TrialProgress => typeof d === 'object' && d !== null && typeof (d as TrialProgress).token === 'string' && typeof (d as TrialProgress).message === 'object';

/** The coordinator's trial runner: every trial a job on the queue, its run recorded here as the workers report. */
export async function queueTrials(url: string, env: TrainingEnv): Promise<TrialRunner> {
  redisOptions(url); // a malformed URL fails before anything connects
  const conns = new Connections(url);
  const queue = new Queue(TRIAL_QUEUE, { connection: await conns.open() });
  const events = new QueueEvents(TRIAL_QUEUE, { connection: await conns.open() });
  const producer = new QueueEventsProducer(TRIAL_QUEUE, { connection: await conns.open() });
  // Connection errors surface through `reachable` or the jobs.
  queue.on('error', () => undefined);
  events.on('error', () => undefined);
  producer.on('error', () => undefined);
  try {
    await reachable(Promise.all([queue.waitUntilReady(), events.waitUntilReady(), producer.waitUntilReady()]), url, conns);
  } catch (err) {
    await Promise.allSettled([queue.close(), events.close(), producer.close()]);
    await conns.close();
    throw err;
  }
  const store = openStore(env.dbPath);
  const recorders = new Map<string, RemoteTrialRecorder>();
  const inFlight = new Map<string, { job: Job; dropped: () => void }>();
  let stopping = false;
  events.on('progress', ({ jobId, data }: { jobId: string; data: unknown }) => {
    const r = recorders.get(jobId);
    if (!r || !isProgress(data)) return;
    try {
      r.progress(data);
    } catch {
      /* a store error shows when the trial ends; the worker trains on */
    }
  });

  /**
   * A resumed trial's job from the sweep's earlier session may still be on the queue (its coordinator died; a worker
   * may even be training it): stopped and removed, so only the new job trains the run (and it may take the checkpoint).
   */
  const retire = async (jobId: string) => {
    const old = await queue.getJob(jobId);
    if (!old) return;
    if ((await old.getState().catch(() => 'unknown')) === 'active') {
      await producer.publishEvent({ eventName: CANCEL_EVENT, jobIds: jobId });
      await old.waitUntilFinished(events, 60_000).catch(() => undefined);
    }
    await old.remove().catch(() => undefined);
  };

  return {
    lanes: Number.MAX_SAFE_INTEGER, // every trial is queued at once; the workers decide how many run
    queue: queueLabel(url),
    async run(trial, report) {
      const o = trial.options;
      const rec: Awaited<ReturnType<typeof recordQueuedTrial>> & { recordedEpochs?: number } =
        trial.resumeRunId !== undefined ? await requeueTrial(store, trial.resumeRunId, o, env.dataDir) : await recordQueuedTrial(store, o, env.dataDir);
      report.recorded(rec.runId);
      const recorder = new RemoteTrialRecorder(store, rec.runId, o, env.dataDir, report.event, report.started, () => (stopping ? 'cancel' : undefined));
      if (stopping) return recorder.ended({ cancelled: true });
      const jobId = `trial-${rec.runUuid}`;
      const data: TrialJobData = {
        sweepId: trial.sweepId,
        trialId: trial.trialId,
        runId: rec.runId,
        runUuid: rec.runUuid,
        name: o.name ?? `trial ${trial.trialId}`,
        dataset: rec.dataset,
        recipe: trial.recipeSpec,
        ...(o.model ? { model: o.model } : {}),
        split: o.split,
        ...(rec.recordedEpochs !== undefined ? { recordedEpochs: rec.recordedEpochs } : {}),
      };
      recorders.set(jobId, recorder);
      try {
        if (trial.resumeRunId !== undefined) await retire(jobId);
        // attempts 1: a trial that fails fails (a bad recipe fails again); a worker that dies is BullMQ's stalled-job recovery.
        const job = await queue.add(data.name, data, { jobId, attempts: 1, removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 } });
        let dropped!: () => void;
        const wasDropped = new Promise<'dropped'>((res) => (dropped = () => res('dropped')));
        inFlight.set(jobId, { job, dropped });
        if (stopping) await job.remove().then(dropped, () => undefined);
        const outcome = await Promise.race([
          job.waitUntilFinished(events).then(
            (value: unknown) => ({ ok: true as const, value }),
            (err: unknown) => ({ ok: false as const, error: err instanceof Error ? err.message : String(err) }),
          ),
          wasDropped,
        ]);
        if (outcome === 'dropped') return recorder.ended({ cancelled: true });
        if (!outcome.ok) return recorder.ended(stopping || /cancelled/.test(outcome.error) ? { cancelled: true } : { cancelled: false, error: outcome.error });
        const value = typeof outcome.value === 'string' ? (JSON.parse(outcome.value) as RemoteTrialResult) : (outcome.value as RemoteTrialResult);
        try {
          return recorder.finished(value);
        } catch (err) {
          return recorder.ended({ cancelled: false, error: `recording the trial's result failed: ${(err as Error).message}` });
        }
      } finally {
        recorders.delete(jobId);
        inFlight.delete(jobId);
      }
    },
    async cancel() {
      stopping = true;
      const running: string[] = [];
      for (const [id, f] of inFlight) {
        const state = await f.job.getState().catch(() => 'unknown');
        if (state === 'active') running.push(id);
        else
          await f.job.remove().then(f.dropped, () => {
            running.push(id); // taken by a worker meanwhile
          });
      }
      if (running.length) await producer.publishEvent({ eventName: CANCEL_EVENT, jobIds: running.join(',') });
    },
    async close() {
      await Promise.allSettled([queue.close(), events.close(), producer.close()]);
      await conns.close();
      store.close();
    },
  };
}

export interface TrialWorkerOptions {
  dataDir: string;
  /** Where this machine keeps datasets (found by fingerprint); without it, only at the coordinator's path. */
  dataRoot?: string;
  concurrency?: number;
  /** Train with this backend whatever the sweep's options say (this machine's best). */
  backend?: TrainOptions['backend'];
  /** How long a claim on a trial lasts without renewal; a dead worker's trial goes to another after about this. */
  lockDurationMs?: number;
}

export type WorkerEvent =
  | { event: 'worker-ready'; worker: string; queue: string; concurrency: number }
  | { event: 'trial-started'; worker: string; jobId: string; sweepId: number; trialId: number; runId: number; attempt: number }
  | { event: 'trial-finished'; worker: string; jobId: string; trialId: number; runId: number; testAccuracy: number | null; uar: number | null }
  | { event: 'trial-refused' | 'trial-failed' | 'trial-cancelled'; worker: string; jobId: string; error: string };

export interface TrialWorker {
  readonly name: string;
  onEvent(listener: (e: WorkerEvent) => void): () => void;
  /** Stops taking trials; `force` leaves running ones to stalled-job recovery (another worker resumes them). */
  close(force?: boolean): Promise<void>;
}

/**
 * Sends a trial's messages as job progress, in order, batch messages at most once a second (they are only a
 * progress bar) and without the scaler statistics (kilobytes the coordinator does not need; they are in the model).
 */
function progressSender(job: Job, token: string) {
  let seq = 0;
  let chain: Promise<void> = Promise.resolve();
  let lastBatch = 0;
  const send = (message: TrialMessage) => {
    if (message.type === 'batch') {
      const now = Date.now();
      if (now - lastBatch < 1000) return;
      lastBatch = now;
    }
    const m: TrialMessage = message.type === 'ready' ? { ...message, scaler: null } : message;
    const p: TrialProgress = { token, seq: seq++, message: m };
    chain = chain.then(() => job.updateProgress(p as unknown as object)).catch(() => undefined);
  };
  return { send, flush: () => chain };
}

/** A `ser worker`: takes trials from the queue and trains them here. */
export async function startTrialWorker(url: string, opts: TrialWorkerOptions): Promise<TrialWorker> {
  redisOptions(url);
  const name = `${hostname()}:${process.pid}`;
  const concurrency = opts.concurrency ?? 1;
  const threads = Math.max(1, Math.floor(availableParallelism() / concurrency));
  const listeners = new Set<(e: WorkerEvent) => void>();
  const emit = (e: WorkerEvent) => {
    for (const l of listeners) l(e);
  };
  const conns = new Connections(url);

  const processor = async (job: Job, token: string | undefined, signal?: AbortSignal): Promise<RemoteTrialResult> => {
    const jobId = job.id ?? '?';
    const parsed = TrialJobSchema.safeParse(job.data);
    let options: TrainOptions;
    try {
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new SerError('bad-input', `not a valid trial: ${issue.path.map(String).join('.') || '(job)'}: ${issue.message}`);
      }
      const d = parsed.data;
      options = recipeOptions(trialRecipe(d.recipe, {}), { data: d.dataset.path, split: d.split, name: d.name, ...(d.model ? { model: d.model } : {}) });
    } catch (err) {
      const error = `refused: ${(err as Error).message}`;
      emit({ event: 'trial-refused', worker: name, jobId, error });
      throw new UnrecoverableError(error);
    }
    const d = parsed.data;
    options = { ...options, ...(opts.backend ? { backend: opts.backend } : {}), workers: options.workers ?? threads };
    const progress = progressSender(job, token ?? randomUUID());
    const attempt = job.attemptsStarted || job.attemptsMade + 1;
    progress.send({ type: 'hello', worker: name, attempt });
    emit({ event: 'trial-started', worker: name, jobId, sweepId: d.sweepId, trialId: d.trialId, runId: d.runId, attempt });
    try {
      const result = await trainRemoteTrial(
        { runId: d.runId, runUuid: d.runUuid, dataset: d.dataset, options, ...(d.recordedEpochs !== undefined ? { recordedEpochs: d.recordedEpochs } : {}) },
        { dataDir: opts.dataDir, ...(opts.dataRoot ? { dataRoot: opts.dataRoot } : {}), extractWorkers: threads },
        { onMessage: (m: WorkerMessage) => progress.send(m), ...(signal ? { signal } : {}) },
      );
      await progress.flush();
      emit({ event: 'trial-finished', worker: name, jobId, trialId: d.trialId, runId: d.runId, testAccuracy: result.finished.test?.accuracy ?? null, uar: result.finished.test?.uar ?? null });
      return { ...result, finished: { ...result.finished, predictions: [] } }; // the predictions travel in the model's files
    } catch (err) {
      await progress.flush();
      const e = err instanceof SerError ? err : new SerError('internal', (err as Error).message);
      if (e.code === 'cancelled') {
        emit({ event: 'trial-cancelled', worker: name, jobId, error: 'cancelled by the coordinator' });
        throw new UnrecoverableError('cancelled by the coordinator');
      }
      emit({ event: 'trial-failed', worker: name, jobId, error: e.message });
      throw new UnrecoverableError(e.message);
    }
  };

  const lockDuration = opts.lockDurationMs ?? 30_000;
  const worker = new Worker(TRIAL_QUEUE, processor, {
    connection: await conns.open(),
    concurrency,
    lockDuration,
    stalledInterval: lockDuration,
    // A trial whose worker died is retried (from its checkpoint when reachable); one that keeps killing its workers is not.
    maxStalledCount: 2,
    autorun: false,
  });
  worker.on('error', () => undefined);
  const cancels = new QueueEvents(TRIAL_QUEUE, { connection: await conns.open() });
  cancels.on('error', () => undefined);
  cancels.on(CANCEL_EVENT as 'progress', ((args: { jobIds?: string }) => {
    for (const id of String(args.jobIds ?? '').split(',')) if (id) worker.cancelJob(id, 'cancelled by the coordinator');
  }) as never);
  try {
    await reachable(Promise.all([worker.waitUntilReady(), cancels.waitUntilReady()]), url, conns);
  } catch (err) {
    await Promise.allSettled([worker.close(true), cancels.close()]);
    await conns.close();
    throw err;
  }
  void worker.run();
  const ready: WorkerEvent = { event: 'worker-ready', worker: name, queue: queueLabel(url), concurrency };
  return {
    name,
    onEvent(listener) {
      listener(ready); // every listener learns the worker is up, however late it subscribes
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close(force = false) {
      await Promise.allSettled([worker.close(force), cancels.close()]);
      await conns.close();
    },
  };
}

export type { TrainEvent };
