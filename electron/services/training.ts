/**
 * Training sessions started from a front door. The trainer itself runs on a worker thread (the training engine's
 * `startTraining`); this service keeps the handles, forwards their events to the bus and answers "what is
 * training now" so a reloaded window can rebuild its monitor (the epochs themselves come from the store).
 *
 * The engine module is imported lazily (and checked by the compiler like any import): it pulls in TensorFlow.js,
 * which the server does not need until a run starts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SerError } from '../shared/errors.js';
import { EMOTIONS, isEmotionIndex } from '../shared/labels.js';
import type { ActiveTraining, Misclassified, RunDetail } from '../contract/types.js';
import type { TrainRequest } from '../contract/schemas.js';
import { trainingDefaults } from '../contract/trainingOptions.js';
import { parseSchedule } from '../engine/training/schedule.js';
import type { TrainEvent, TrainingHandle, TrainOptions } from '../engine/training/types.js';
import type { ServiceContext } from './context.js';

type StartTraining = typeof import('../engine/training/index.js').startTraining;

interface Session extends ActiveTraining {
  handle: TrainingHandle;
}

/** SGD with the default (the reference's) momentum and weight decay; Adam without decay. */
export function toTrainOptions(req: TrainRequest): TrainOptions {
  const sgd = req.optimizer === 'sgd';
  const d = trainingDefaults;
  return {
    data: req.data,
    ...(req.name ? { name: req.name } : {}),
    epochs: req.epochs,
    batchSize: req.batchSize,
    optimizer: req.optimizer,
    learningRate: req.learningRate,
    momentum: sgd ? d.momentum : 0,
    weightDecay: sgd ? d.weightDecay : 0,
    schedule: parseSchedule(d.schedule),
    split:
      req.split.kind === 'random' || req.split.kind === 'all'
        ? { kind: req.split.kind, seed: req.seed }
        : {
            kind: 'speaker',
            seed: req.seed,
            ...(req.split.testSpeakers?.length ? { testSpeakers: req.split.testSpeakers } : {}),
            ...(req.split.valSpeakers?.length ? { valSpeakers: req.split.valSpeakers } : {}),
          },
    augment: { copies: req.augmentCopies, snrLow: req.snrLow, snrHigh: req.snrHigh },
    seed: req.seed,
    ...(req.backend ? { backend: req.backend } : {}),
    ...(req.workers ? { workers: req.workers } : {}),
    ...(req.includeSong ? { includeSong: true } : {}),
  };
}

export class TrainingService {
  readonly #sessions = new Map<number, Session>();
  #engine: Promise<StartTraining> | undefined;

  constructor(private readonly ctx: ServiceContext) {}

  async #startTraining(): Promise<StartTraining> {
    this.#engine ??= import('../engine/training/index.js').then(
      (m) => m.startTraining,
      (err: unknown) => {
        this.#engine = undefined;
        throw new SerError('unsupported', `the training engine could not be loaded: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
    return this.#engine;
  }

  async start(req: TrainRequest): Promise<{ runId: number }> {
    return this.#launch(toTrainOptions(req));
  }

  /** Resumes an interrupted run from its last checkpoint, with the options it was started with. */
  async continueRun(id: number): Promise<{ runId: number }> {
    const run = this.ctx.store.runs.require(id);
    if (this.#sessions.has(id)) throw new SerError('bad-input', `run ${id} is already training`);
    if (run.status !== 'interrupted') throw new SerError('bad-input', `run ${id} is ${run.status}; only interrupted runs can be continued`);
    return this.#launch(run.config as TrainOptions, id);
  }

  async #launch(opts: TrainOptions, resumeRunId?: number): Promise<{ runId: number }> {
    const startTraining = await this.#startTraining();
    const handle = startTraining(opts, { dbPath: this.ctx.dbPath, dataDir: this.ctx.dataDir, ...(resumeRunId === undefined ? {} : { resumeRunId }) });
    // Failures before the run exists (bad dataset folder…) come as a `failed` event and a rejected runId.
    const early: TrainEvent[] = [];
    const stopEarly = handle.onEvent((e) => early.push(e));
    let runId: number;
    try {
      runId = await Promise.race([
        handle.runId,
        handle.done.then((e) => {
          throw new SerError('bad-input', e.event === 'failed' ? e.error : `training ended before it started (${e.event})`);
        }),
      ]);
    } catch (err) {
      stopEarly();
      const failed = early.find((e): e is Extract<TrainEvent, { event: 'failed' }> => e.event === 'failed');
      if (failed && !(err instanceof SerError)) throw new SerError('bad-input', failed.error);
      throw err;
    }
    stopEarly();
    const session: Session = { runId, handle, paused: false, started: null, lastBatch: null, lastEpoch: null };
    this.#sessions.set(runId, session);
    handle.onEvent((e) => this.#onEvent(session, e));
    void handle.done.finally(() => this.#sessions.delete(runId));
    return { runId };
  }

  #onEvent(s: Session, e: TrainEvent): void {
    if (e.event === 'started') s.started = e;
    else if (e.event === 'batch') s.lastBatch = e;
    else if (e.event === 'epoch') s.lastEpoch = e;
    else if (e.event === 'paused') s.paused = true;
    else if (e.event === 'resumed') s.paused = false;
    this.ctx.bus.emit('training', e);
  }

  #session(runId: number): Session {
    const s = this.#sessions.get(runId);
    if (!s) throw new SerError('not-found', `run ${runId} is not training in this app`, { runId });
    return s;
  }

  pause(runId: number): { ok: true } {
    const s = this.#session(runId);
    s.handle.pause();
    return { ok: true };
  }

  resume(runId: number): { ok: true } {
    const s = this.#session(runId);
    s.handle.resume();
    return { ok: true };
  }

  async cancel(runId: number): Promise<{ ok: true }> {
    await this.#session(runId).handle.cancel();
    return { ok: true };
  }

  status(): ActiveTraining[] {
    return [...this.#sessions.values()].map(({ handle: _h, ...rest }) => rest);
  }

  activeFor(runId: number): ActiveTraining | undefined {
    return this.#sessions.get(runId);
  }

  get activeCount(): number {
    return this.#sessions.size;
  }

  /** Checkpoints every running session and marks it `interrupted` (resumable): the app is quitting. */
  async interruptAll(): Promise<void> {
    await Promise.allSettled([...this.#sessions.values()].map((s) => s.handle.interrupt()));
  }

  /**
   * Misclassified test clips, from the `test_predictions.json` the trainer writes beside the exported model
   * (`[{path, label, predicted, probs}]`, dataset-relative paths), matched to the dataset's file ids so the
   * renderer can play them through the audio endpoint. null when the run has no such file.
   */
  misclassified(d: RunDetail): Misclassified[] | null {
    const exported = [...d.models].reverse().find((m) => m.kind === 'export');
    if (!exported || d.run.datasetId === null) return null;
    const file = join(exported.path, 'test_predictions.json');
    if (!existsSync(file)) return null;
    let preds: Array<{ path: string; label: number; predicted: number; probs: number[] }>;
    try {
      preds = JSON.parse(readFileSync(file, 'utf8')) as typeof preds;
    } catch {
      return null;
    }
    const datasetId = d.run.datasetId;
    const byPath = new Map(this.ctx.store.datasets.files(datasetId).map((f) => [f.path, f]));
    const out: Misclassified[] = [];
    for (const p of preds) {
      if (p.label === p.predicted) continue;
      const f = byPath.get(p.path);
      if (!f || !isEmotionIndex(p.label) || !isEmotionIndex(p.predicted)) continue;
      out.push({
        datasetId,
        fileId: f.id,
        path: p.path,
        speaker: f.speaker,
        truth: EMOTIONS[p.label]!,
        predicted: EMOTIONS[p.predicted]!,
        confidence: p.probs[p.predicted] ?? 0,
      });
    }
    return out.sort((a, b) => b.confidence - a.confidence);
  }
}
