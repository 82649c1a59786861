/**
 * "Tune to my voice" from a front door: fine-tunes a model (a run's export, else the built-in one) on a speaker's
 * session folder with the tuning engine (`startTuning`, a worker thread), forwards its events to the bus as `tune`
 * events, and remembers the running tuning and the last result so a reloaded window can show them. One tuning at
 * a time (it takes a core for about half a minute).
 */
import { SerError } from '../shared/errors.js';
import type { TuneEvent, TuneStatus } from '../contract/types.js';
import type { TuneOptions, TuningHandle } from '../engine/training/tuneTypes.js';
import type { ServiceContext } from './context.js';

export interface TuneRequest {
  speaker: string;
  /** Base model: this run's export, or this ensemble (not both); none = the built-in model. */
  runId?: number;
  ensembleId?: number;
  epochs?: number;
  seed?: number;
}

export class TuningService {
  #active: { handle: TuningHandle; speaker: string; runId: number | null; last: TuneEvent | null } | undefined;
  #last: { speaker: string; event: TuneEvent } | null = null;

  /** `folderOf` gives the speaker's session folder (the voice service's). */
  constructor(
    private readonly ctx: ServiceContext,
    private readonly folderOf: (speaker: string) => string,
  ) {}

  async start(req: TuneRequest): Promise<{ runId: number }> {
    if (this.#active) throw new SerError('bad-input', `a tuning is already running (run ${this.#active.runId ?? '…'}); wait for it to finish`);
    const [{ startTuning }, { defaultTuneOptions }] = await Promise.all([import('../engine/training/tuneSession.js'), import('../engine/training/tuneTypes.js')]);
    const options: TuneOptions = {
      ...defaultTuneOptions,
      augment: { ...defaultTuneOptions.augment },
      data: this.folderOf(req.speaker),
      name: `tuned to ${req.speaker}'s voice`,
      // As `ser tune --model` takes them: a run id, or `ensemble:<id>` (resolved through the store).
      ...(req.runId === undefined ? {} : { model: String(req.runId) }),
      ...(req.ensembleId === undefined ? {} : { model: `ensemble:${req.ensembleId}` }),
      ...(req.epochs === undefined ? {} : { epochs: req.epochs }),
      ...(req.seed === undefined ? {} : { seed: req.seed }),
    };
    const handle = startTuning(options, { dbPath: this.ctx.dbPath, dataDir: this.ctx.dataDir });
    const active = { handle, speaker: req.speaker, runId: null as number | null, last: null as TuneEvent | null };
    this.#active = active;
    const early: TuneEvent[] = [];
    handle.onEvent((e) => {
      active.last = e;
      if (active.runId === null) early.push(e);
      this.ctx.bus.emit('tune', e);
    });
    void handle.done.then((e) => {
      this.#last = { speaker: req.speaker, event: e };
      if (this.#active === active) this.#active = undefined;
    });
    try {
      // Inputs that cannot be tuned on (no takes, too few per emotion, no model) fail before a run exists.
      active.runId = await Promise.race([
        handle.runId,
        handle.done.then((e) => {
          throw new SerError('bad-input', e.event === 'failed' ? e.error : `tuning ended before it started (${e.event})`);
        }),
      ]);
    } catch (err) {
      const failed = early.find((e): e is Extract<TuneEvent, { event: 'failed' }> => e.event === 'failed');
      throw failed && !(err instanceof SerError) ? new SerError('bad-input', failed.error) : err;
    }
    return { runId: active.runId };
  }

  status(): TuneStatus {
    const a = this.#active;
    return { active: a ? { runId: a.runId, speaker: a.speaker, last: a.last } : null, last: this.#last };
  }

  async close(): Promise<void> {
    await this.#active?.handle.cancel();
  }
}
