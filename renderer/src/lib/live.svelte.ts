/** State of the Live view: device, level meter, probabilities, top-emotion timeline, recordings. */
import type { ApiClient, ApiEvents, DeviceInfo, LiveSessionDetail, LiveSessionRow, LiveStartResult, ModelChoice, RecordingResult } from '../../../electron/contract/contract.js';
import { liveChoice, modelKey } from './modelCard.js';

type LiveEvent = ApiEvents['live'];
type Prediction = Extract<LiveEvent, { kind: 'prediction' }>;

const TIMELINE_SECONDS = 30;
/** localStorage key: the version of the built-in model whose notice the user dismissed. */
const NOTICE_KEY = 'vox-builtin-model-notice';

export class LiveState {
  devices = $state.raw<DeviceInfo[]>([]);
  deviceId = $state<number | undefined>(undefined);
  /** The built-in model first (when installed), then ensembles, then finished runs' exported models. */
  models = $state.raw<ModelChoice[]>([]);
  /** Why there is no built-in model (shown when there is no model at all). */
  builtInMissing = $state<string | null>(null);
  /** The picker's choice (modelKey): the first model by default, i.e. the built-in one when installed. */
  modelKey = $state<string>('');
  /** The built-in model's notice was dismissed (remembered per model version in localStorage). */
  #noticeSeen = $state<string | null>(null);
  running = $state(false);
  info = $state.raw<LiveStartResult | null>(null);
  rms = $state(0);
  peak = $state(0);
  /** Seconds of audio seen (from level events). */
  t = $state(0);
  probs = $state.raw<number[] | null>(null);
  top = $state<string | null>(null);
  timeline = $state.raw<Array<{ t: number; top: string; confidence: number }>>([]);
  recording = $state(false);
  recordSeconds = $state(0);
  recordings = $state.raw<RecordingResult[]>([]);
  ended = $state<string | null>(null);
  /** "Keep this session": applies to the session listening now, or the last one after it stopped. */
  keep = $state(false);
  /** True once a session with a model ran (there is something to keep). */
  keepable = $state(false);
  saved = $state.raw<LiveSessionRow[]>([]);
  /** The saved session whose timeline is open. */
  shown = $state.raw<LiveSessionDetail | null>(null);

  readonly #api: ApiClient;
  #stop: (() => void) | undefined;

  constructor(api: ApiClient) {
    this.#api = api;
    if (typeof localStorage !== 'undefined') this.#noticeSeen = localStorage.getItem(NOTICE_KEY);
  }

  /** The picked model. */
  get chosen(): ModelChoice | undefined {
    return this.models.find((m) => modelKey(m) === this.modelKey);
  }

  get builtIn(): ModelChoice | undefined {
    return this.models.find((m) => m.kind === 'built-in');
  }

  /** The notice about the built-in model shows until dismissed, and again for a new built-in model. */
  get showNotice(): boolean {
    const b = this.builtIn;
    return b !== undefined && this.#noticeSeen !== b.version;
  }

  dismissNotice(): void {
    const b = this.builtIn;
    if (!b) return;
    this.#noticeSeen = b.version;
    try {
      localStorage.setItem(NOTICE_KEY, b.version);
    } catch {
      /* storage unavailable: dismissed for this view only */
    }
  }

  /** Level as 0..1 on a dB scale (−60 dBFS … 0). */
  get levelFraction(): number {
    const db = this.rms > 0 ? 20 * Math.log10(this.rms) : -120;
    return Math.max(0, Math.min(1, (db + 60) / 60));
  }

  get levelDb(): number {
    return this.rms > 0 ? 20 * Math.log10(this.rms) : -Infinity;
  }

  async load(): Promise<void> {
    const list = await this.#api.listModels({});
    this.models = list.models;
    this.builtInMissing = list.builtInMissing;
    this.modelKey = this.models[0] ? modelKey(this.models[0]) : '';
    this.devices = await this.#api.listDevices({});
    const def = this.devices.find((d) => d.default) ?? this.devices[0];
    this.deviceId = def?.id;
    this.#stop ??= this.#api.on('live', (e) => this.#onEvent(e));
    await this.loadSaved();
  }

  async loadSaved(): Promise<void> {
    this.saved = await this.#api.listLiveSessions({});
  }

  /** Flips "Keep this session"; before any session it only sets what the next start asks for. */
  async setKeep(keep: boolean): Promise<void> {
    this.keep = keep;
    if (!this.keepable) return;
    try {
      const r = await this.#api.keepLiveSession({ keep });
      this.keep = r.kept;
    } catch (err) {
      this.keep = !keep;
      throw err;
    }
    await this.loadSaved();
  }

  async show(id: number): Promise<void> {
    this.shown = this.shown?.session.id === id ? null : await this.#api.getLiveSession({ id });
  }

  async deleteSaved(id: number): Promise<void> {
    await this.#api.deleteLiveSession({ id });
    if (this.shown?.session.id === id) this.shown = null;
    if (this.saved.find((s) => s.id === id)?.current) this.keep = false;
    await this.loadSaved();
  }

  async start(): Promise<void> {
    this.ended = null;
    this.timeline = [];
    this.probs = null;
    this.info = await this.#api.startLive({
      ...(this.deviceId === undefined ? {} : { deviceId: this.deviceId }),
      ...liveChoice(this.chosen),
      keep: this.keep,
    });
    this.keepable = this.info.classifier;
    this.running = true;
    if (this.keep) await this.loadSaved();
  }

  /**
   * Listens with another model: re-reads the model list (a tuning may have just added one), selects `key`
   * ("built-in", "ensemble:<id>" or "run:<id>") and starts — or, while listening, restarts the microphone with it.
   */
  async useModel(key: string): Promise<void> {
    const list = await this.#api.listModels({});
    this.models = list.models;
    if (!this.models.some((m) => modelKey(m) === key)) throw new Error(`the model ${key} is not in the list (it has no exported model)`);
    this.modelKey = key;
    await this.start();
  }

  /**
   * Deletes the picked ensemble (its record; its folder too when the app made it) and picks the first model left.
   * Returns the folder removed, or null when the folder was the user's and stays.
   */
  async deleteEnsemble(): Promise<string | null> {
    const e = this.chosen;
    if (e?.kind !== 'ensemble' || e.ensembleId === null) throw new Error('pick an ensemble to delete');
    const r = await this.#api.deleteEnsemble({ id: e.ensembleId });
    const list = await this.#api.listModels({});
    this.models = list.models;
    this.builtInMissing = list.builtInMissing;
    this.modelKey = this.models[0] ? modelKey(this.models[0]) : '';
    return r.removedFolder;
  }

  async stopLive(): Promise<void> {
    await this.#api.stopLive({});
    this.running = false;
    await this.loadSaved();
  }

  /** Records into "my recordings"; `speaker` (optional) goes into the file name, as `ser record --speaker` does. */
  async record(seconds: number, label: string, speaker = ''): Promise<RecordingResult> {
    this.recording = true;
    this.recordSeconds = 0;
    try {
      const r = await this.#api.record({
        seconds,
        label: label as RecordingResult['label'],
        ...(speaker.trim() ? { speaker: speaker.trim() } : {}),
        ...(this.deviceId === undefined ? {} : { deviceId: this.deviceId }),
      });
      this.recordings = [r, ...this.recordings];
      return r;
    } finally {
      this.recording = false;
      this.running = false;
    }
  }

  dispose(): void {
    this.#stop?.();
    this.#stop = undefined;
    if (this.running) void this.#api.stopLive({}).catch(() => {});
  }

  #onEvent(e: LiveEvent): void {
    switch (e.kind) {
      case 'level':
        this.rms = e.rms;
        this.peak = e.peak;
        this.t = e.t;
        break;
      case 'recording':
        this.rms = e.rms;
        this.peak = e.peak;
        this.recordSeconds = e.seconds;
        break;
      case 'prediction':
        this.#onPrediction(e);
        break;
      case 'started':
        this.running = true;
        break;
      case 'ended':
        this.running = false;
        this.rms = 0;
        this.peak = 0;
        if (e.error) this.ended = e.error.message;
        break;
    }
  }

  #onPrediction(p: Prediction): void {
    this.probs = p.probs;
    this.top = p.voiced ? p.top : 'silence';
    this.timeline = [...this.timeline.filter((x) => x.t > p.t - TIMELINE_SECONDS), { t: p.t, top: this.top, confidence: p.confidence }];
  }
}
