/**
 * State of one run's monitor. The epochs and status come from the store (`getRun`), so reloading the window
 * loses nothing; pushed training events only add what the store does not keep (progress within an epoch) and
 * trigger a refetch when an epoch or the run ends.
 */
import type { ActiveTraining, ApiClient, RunDetail, TrainEvent } from '../../../electron/contract/contract.js';

type BatchEvent = Extract<TrainEvent, { event: 'batch' }>;
type PreparingEvent = Extract<TrainEvent, { event: 'preparing' }>;

export class RunMonitor {
  detail = $state.raw<RunDetail | null>(null);
  batch = $state.raw<BatchEvent | null>(null);
  preparing = $state.raw<PreparingEvent | null>(null);
  started = $state.raw<ActiveTraining['started']>(null);
  paused = $state(false);
  etaMs = $state<number | null>(null);
  samplesPerSec = $state<number | null>(null);
  loadError = $state<string | null>(null);
  now = $state(Date.now());

  readonly #api: ApiClient;
  readonly #id: number;
  #refetching = false;
  #stops: Array<() => void> = [];

  constructor(api: ApiClient, id: number) {
    this.#api = api;
    this.#id = id;
  }

  get id(): number {
    return this.#id;
  }

  get active(): boolean {
    return this.detail?.active ?? false;
  }

  get epochsPlanned(): number | null {
    return this.started?.epochs ?? this.detail?.run.epochsPlanned ?? null;
  }

  /** Elapsed since the run started (ended runs: their duration). */
  get elapsedMs(): number | null {
    const r = this.detail?.run;
    if (!r?.startedAt) return null;
    if (r.endedAt) return Date.parse(r.endedAt) - Date.parse(r.startedAt);
    return this.now - Date.parse(r.startedAt);
  }

  /** 0..1 within the current epoch. */
  get epochProgress(): number {
    if (!this.batch) return 0;
    return this.batch.batches ? this.batch.batch / this.batch.batches : 0;
  }

  /** 0..1 over the whole run. */
  get runProgress(): number {
    const planned = this.epochsPlanned;
    const done = this.detail?.epochs.length ?? 0;
    if (!planned) return 0;
    if (this.detail && !this.active && this.detail.run.status === 'completed') return 1;
    return Math.min(1, (done + (this.active ? this.epochProgress : 0)) / planned);
  }

  async start(): Promise<void> {
    await this.refresh();
    const status = await this.#api.trainingStatus({}).catch(() => [] as ActiveTraining[]);
    const mine = status.find((s) => s.runId === this.#id);
    if (mine) {
      this.started = mine.started;
      this.batch = mine.lastBatch;
      this.paused = mine.paused;
      if (mine.lastEpoch) {
        this.etaMs = mine.lastEpoch.etaMs;
        this.samplesPerSec = mine.lastEpoch.samplesPerSec;
      }
    }
    this.#stops.push(this.#api.on('training', (e) => this.#onEvent(e)));
    const timer = setInterval(() => (this.now = Date.now()), 1000);
    this.#stops.push(() => clearInterval(timer));
  }

  stop(): void {
    for (const s of this.#stops) s();
    this.#stops = [];
  }

  async refresh(): Promise<void> {
    try {
      this.detail = await this.#api.getRun({ id: this.#id });
      this.paused = this.detail.paused;
      this.loadError = null;
    } catch (err) {
      this.loadError = err instanceof Error ? err.message : String(err);
    }
  }

  #onEvent(e: TrainEvent): void {
    if (e.runId !== this.#id) return;
    switch (e.event) {
      case 'preparing':
        this.preparing = e;
        this.etaMs = e.etaMs;
        break;
      case 'started':
        this.started = e;
        this.preparing = null;
        void this.refresh();
        break;
      case 'batch':
        this.batch = e;
        this.etaMs = e.etaMs;
        this.samplesPerSec = e.samplesPerSec;
        break;
      case 'epoch':
        this.etaMs = e.etaMs;
        this.samplesPerSec = e.samplesPerSec;
        this.batch = null;
        void this.#refetch();
        break;
      case 'paused':
        this.paused = true;
        break;
      case 'resumed':
        this.paused = false;
        break;
      default:
        // finished / failed / cancelled / checkpoint
        void this.#refetch();
    }
  }

  async #refetch(): Promise<void> {
    if (this.#refetching) return;
    this.#refetching = true;
    try {
      await this.refresh();
    } finally {
      this.#refetching = false;
    }
  }
}
