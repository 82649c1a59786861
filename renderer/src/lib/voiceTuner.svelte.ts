/**
 * State of the "Tune to my voice" wizard: the session's prompts, the take just recorded (waveform, quality flags,
 * replay URL), keep / re-record / drop, then the tuning's progress and its before/after on the held-out takes.
 * Everything goes through the API (voiceSession, recordTake, deleteTake, startTune and the `tune` event); the level
 * meter reads the `live` bus's `recording` events the take's capture sends.
 */
import { takeAudioPath, type ApiClient, type ApiEvents, type BeforeAfter, type VoicePrompt, type VoiceTake } from '../../../electron/contract/contract.js';

type TuneEvent = ApiEvents['tune'];
export type TunerStep = 'setup' | 'record' | 'review' | 'tuning' | 'result';

const SPEAKER_KEY = 'vox-voice-speaker';

export class VoiceTuner {
  step = $state<TunerStep>('setup');
  speaker = $state('me');
  takesPerEmotion = $state(4);
  seconds = $state(3.5);
  plan = $state.raw<VoicePrompt[]>([]);
  folder = $state('');
  /** Position in the plan. */
  index = $state(0);
  /** The take of the current prompt, once recorded (kept or not yet decided). */
  take = $state.raw<VoiceTake | null>(null);
  /** Kept takes, in order. */
  kept = $state.raw<VoiceTake[]>([]);
  dropped = $state(0);
  recording = $state(false);
  /** Level and seconds of the take being recorded. */
  rms = $state(0);
  recordedSeconds = $state(0);
  /** Tuning progress, 0..1, and a line saying what it does. */
  progress = $state(0);
  progressText = $state('');
  runId = $state<number | null>(null);
  before = $state.raw<BeforeAfter | null>(null);
  after = $state.raw<BeforeAfter | null>(null);
  heldOut = $state(0);
  durationMs = $state(0);
  error = $state<string | null>(null);

  readonly #api: ApiClient;
  #off: Array<() => void> = [];

  constructor(api: ApiClient) {
    this.#api = api;
    if (typeof localStorage !== 'undefined') this.speaker = localStorage.getItem(SPEAKER_KEY) ?? 'me';
    this.#off.push(
      api.on('live', (e) => {
        if (e.kind !== 'recording' || !this.recording) return;
        this.rms = e.rms;
        this.recordedSeconds = e.seconds;
      }),
      api.on('tune', (e) => this.#onTune(e)),
    );
  }

  get prompt(): VoicePrompt | undefined {
    return this.plan[this.index];
  }

  get levelFraction(): number {
    const db = this.rms > 0 ? 20 * Math.log10(this.rms) : -120;
    return Math.max(0, Math.min(1, (db + 60) / 60));
  }

  /** Replay URL of a take (relative: the page's own origin, either front door). */
  audioUrl(t: VoiceTake): string {
    return `${takeAudioPath(t.speaker, t.emotion, t.name)}?v=${encodeURIComponent(t.name)}`;
  }

  keptPerEmotion(emotion: string): number {
    return this.kept.filter((t) => t.emotion === emotion).length;
  }

  async begin(): Promise<void> {
    const s = await this.#api.voiceSession({ speaker: this.speaker, takes: this.takesPerEmotion });
    try {
      localStorage.setItem(SPEAKER_KEY, this.speaker);
    } catch {
      /* storage unavailable */
    }
    this.plan = s.plan;
    this.folder = s.folder;
    this.index = 0;
    this.take = null;
    this.kept = [];
    this.dropped = 0;
    this.step = 'record';
  }

  async record(deviceId: number | undefined): Promise<void> {
    const p = this.prompt;
    if (!p || this.recording) return;
    this.recording = true;
    this.rms = 0;
    this.recordedSeconds = 0;
    try {
      this.take = await this.#api.recordTake({ speaker: this.speaker, emotion: p.emotion, seconds: this.seconds, ...(deviceId === undefined ? {} : { deviceId }) });
    } finally {
      this.recording = false;
    }
  }

  keep(): void {
    if (!this.take) return;
    this.kept = [...this.kept, this.take];
    this.#next();
  }

  async rerecord(deviceId: number | undefined): Promise<void> {
    // The meter is cleared now, not once the old take is deleted: until then it showed the old take's seconds,
    // which read as "recording" before the new capture had begun.
    this.rms = 0;
    this.recordedSeconds = 0;
    await this.#deleteCurrent();
    await this.record(deviceId);
  }

  async drop(): Promise<void> {
    await this.#deleteCurrent();
    this.dropped++;
    this.#next();
  }

  /** Ends the session early: what was kept is what tuning uses. */
  finish(): void {
    this.take = null;
    this.step = 'review';
  }

  /** `base`: a run's model or an ensemble; null = the built-in model. */
  async tune(base: { runId: number } | { ensembleId: number } | null, epochs?: number): Promise<void> {
    this.error = null;
    this.before = this.after = null;
    this.runId = null;
    this.progress = 0;
    this.progressText = 'starting…';
    this.step = 'tuning';
    try {
      const r = await this.#api.startTune({ speaker: this.speaker, ...(base ?? {}), ...(epochs ? { epochs } : {}) });
      this.runId = r.runId;
    } catch (err) {
      this.step = 'review';
      throw err;
    }
  }

  dispose(): void {
    for (const off of this.#off) off();
    this.#off = [];
  }

  async #deleteCurrent(): Promise<void> {
    const t = this.take;
    if (!t) return;
    this.take = null;
    await this.#api.deleteTake({ speaker: t.speaker, emotion: t.emotion, name: t.name });
  }

  #next(): void {
    this.take = null;
    this.index++;
    if (this.index >= this.plan.length) this.step = 'review';
  }

  #onTune(e: TuneEvent): void {
    if (this.step !== 'tuning') return;
    if (this.runId !== null && e.runId !== null && e.runId !== this.runId) return;
    switch (e.event) {
      case 'preparing':
        this.progress = 0.1 * (e.total ? e.done / e.total : 0);
        this.progressText = e.stage === 'scan' ? `reading the takes ${e.done}/${e.total}` : `features ${e.done}/${e.total}`;
        break;
      case 'started':
        this.#epochs = e.epochs;
        this.progress = 0.1;
        this.progressText = `tuning on ${e.trainSize} samples (${e.testSize} takes held out), ${e.backend}`;
        break;
      case 'batch':
        this.progress = 0.1 + 0.9 * ((e.epoch + (e.batch + 1) / e.batches) / Math.max(1, this.#epochs));
        break;
      case 'epoch':
        this.#epochs = e.epochs;
        this.progress = 0.1 + 0.9 * ((e.epoch + 1) / e.epochs);
        this.progressText = `epoch ${e.epoch + 1} of ${e.epochs}, loss ${e.trainLoss.toFixed(3)}`;
        break;
      case 'finished':
        this.progress = 1;
        this.runId = e.runId;
        this.before = e.before;
        this.after = e.after;
        this.heldOut = e.heldOut;
        this.durationMs = e.durationMs;
        this.step = 'result';
        break;
      case 'failed':
        this.error = e.error;
        this.step = 'review';
        break;
      case 'cancelled':
        this.error = 'the tuning was cancelled';
        this.step = 'review';
        break;
    }
  }

  #epochs = 10;
}
