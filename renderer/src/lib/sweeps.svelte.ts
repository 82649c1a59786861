/**
 * State of the Sweeps view: the sweeps, and the selected one's trials and per-recipe summary as `ser sweep show`
 * computes them (getSweep). A sweep's trials are trained by another process (`ser sweep`, its workers), whose events
 * never reach this window, so the view polls the store through the API: every 1.5 s while a sweep runs, every 10 s
 * otherwise (so a sweep started from a terminal shows up).
 */
import type { ApiClient, SweepDetail, SweepRow, SweepStatus, SweepTrialRow } from '../../../electron/contract/contract.js';
import { bestTrial } from '../../../electron/shared/sweepBest.js';
import { sweepParams } from './sweepScatter.js';

const LIVE_POLL_MS = 1500;
const IDLE_POLL_MS = 10_000;

const isLive = (s: SweepStatus | undefined) => s === 'running' || s === 'cancelling';

export class SweepBoard {
  list = $state.raw<SweepRow[]>([]);
  detail = $state.raw<SweepDetail | null>(null);
  loaded = $state(false);
  loadError = $state<string | null>(null);
  /** The parameter the scatter plots (null: the sweep's first). */
  param = $state<string | null>(null);

  readonly #api: ApiClient;
  readonly #id: number | null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(api: ApiClient, id: number | null) {
    this.#api = api;
    this.#id = id;
  }

  /** The route's sweep, else the newest. */
  get selectedId(): number | null {
    return this.#id ?? this.list[0]?.id ?? null;
  }

  get row(): SweepRow | null {
    return this.list.find((s) => s.id === this.selectedId) ?? null;
  }

  get live(): boolean {
    return isLive(this.detail?.status) || this.list.some((s) => isLive(s.status));
  }

  /** The trial "Open best" opens: the best recipe's best fold (shared/sweepBest.ts, as `ser sweep` names it). */
  get best(): SweepTrialRow | null {
    return this.detail ? bestTrial(this.detail) : null;
  }

  get params(): string[] {
    return sweepParams(this.detail);
  }

  get shownParam(): string | null {
    const names = this.params;
    return this.param !== null && names.includes(this.param) ? this.param : (names[0] ?? null);
  }

  async start(): Promise<void> {
    this.#stopped = false;
    await this.refresh();
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  async refresh(): Promise<void> {
    try {
      this.list = await this.#api.listSweeps({});
      const id = this.selectedId;
      this.detail = id === null ? null : await this.#api.getSweep({ id });
      this.loadError = null;
    } catch (err) {
      this.loadError = err instanceof Error ? err.message : String(err);
    } finally {
      this.loaded = true;
    }
  }

  /** Asks the sweep's process to stop it; the polling shows `cancelling`, then `cancelled`. */
  async cancel(): Promise<void> {
    const id = this.selectedId;
    if (id === null) return;
    await this.#api.cancelSweep({ id });
    await this.refresh();
  }

  #schedule(): void {
    if (this.#stopped) return;
    // One request at a time: the next poll is timed from the end of the last.
    this.#timer = setTimeout(() => void this.refresh().then(() => this.#schedule()), this.live ? LIVE_POLL_MS : IDLE_POLL_MS);
  }
}
