/**
 * The microphone: device list, a live session (level meter, and the streaming classifier's predictions with the
 * built-in model, a recorded ensemble or the exported model of a finished run), and record-and-label into "my recordings"
 * (a folder-per-label dataset under the data folder, browsable and trainable like any other).
 * Capture runs in its own process (native/audio/capture.ts); this service only receives 48 kHz blocks.
 * A session with a model can be kept in the store ("Keep this session", see liveKeeper.ts) and listed later.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SerError } from '../shared/errors.js';
import { encodeWav16 } from '../engine/audio/wav.js';
import { takePath } from '../engine/live/recordings.js';
import { listInputDevices, type CaptureSession } from '../../native/audio/capture.js';
import { levels, recordAudio } from '../../native/audio/recorder.js';
import type { DeviceInfo, LiveKeepResult, LiveModelInUse, LiveSessionDetail, LiveSessionRow, LiveStartResult, ModelChoice, ModelList, RecordingResult } from '../contract/types.js';
import type { Emotion } from '../shared/labels.js';
import { BUILTIN_MODEL_LABEL, builtInMissingMessage, findBuiltInModel, readModelFolderInfo, requireBuiltInModel } from '../engine/training/builtinModel.js';
import { ensembleFolderExists, ensembleLabel, requireEnsembleFolder } from '../engine/training/ensembleRecords.js';
import { ensembleChoice } from './ensembles.js';
import { runExports } from './runExports.js';
import { sessionDetail, sessionRow, type SessionKeeper } from './liveKeeper.js';
import { startListening } from './listening.js';
import type { ServiceContext } from './context.js';
import type { StreamingClassifier } from '../engine/live/streamingClassifier.js';

/** Which model to listen with: at most one of them (the contract's startLive refuses two). */
export interface LiveChoice {
  runId?: number;
  ensembleId?: number;
  builtIn?: boolean;
}

/** Level events per second (the meter does not need more; the sender throttles). */
const LEVEL_EVERY_MS = 50;

export class LiveService {
  #session: CaptureSession | undefined;
  #classifier: StreamingClassifier | undefined;
  #recording: AbortController | undefined;
  /** Predictions of the current session, or of the last one after it stopped (so it can still be kept). */
  #keeper: SessionKeeper | undefined;

  constructor(private readonly ctx: ServiceContext) {}

  listDevices(): Promise<DeviceInfo[]> {
    return listInputDevices();
  }

  /**
   * The model a session listens with. An explicit choice wins (a run, an ensemble, or the built-in model); with none,
   * the built-in model — the known-good one, measured on new speakers — else the newest run's export; else none.
   */
  chooseModel(choice: LiveChoice = {}): (LiveModelInUse & { dir: string; modelId: number | null }) | undefined {
    if (choice.runId !== undefined) {
      const run = runExports(this.ctx.store, choice.runId)[0];
      if (!run) throw new SerError('not-found', `run ${choice.runId} has no exported model (it did not finish)`);
      return { kind: 'run', runId: run.runId, ensembleId: null, modelId: run.modelId, dir: run.dir, label: `model of run #${run.runId} "${run.name}"` };
    }
    if (choice.ensembleId !== undefined) {
      const { ensemble, dir } = requireEnsembleFolder(this.ctx.store, choice.ensembleId);
      return { kind: 'ensemble', runId: null, ensembleId: ensemble.id, modelId: null, dir, label: ensembleLabel(ensemble) };
    }
    const builtIn = choice.builtIn ? requireBuiltInModel() : findBuiltInModel();
    if (builtIn) return { kind: 'built-in', runId: null, ensembleId: null, modelId: null, dir: builtIn, label: 'built-in model (RAVDESS CNN-LSTM)' };
    const run = runExports(this.ctx.store)[0];
    return run && { kind: 'run', runId: run.runId, ensembleId: null, modelId: run.modelId, dir: run.dir, label: `model of run #${run.runId} "${run.name}"` };
  }

  /** What the model picker lists: the built-in model first, then ensembles whose folder is there, then runs with an exported model. */
  models(): ModelList {
    const models: ModelChoice[] = [];
    const builtIn = findBuiltInModel();
    let builtInMissing: string | null = builtIn ? null : builtInMissingMessage();
    if (builtIn) {
      try {
        const info = readModelFolderInfo(builtIn);
        models.push({
          kind: 'built-in', runId: null, ensembleId: null, label: BUILTIN_MODEL_LABEL, dir: builtIn, testAccuracy: null, uar: null, splitKind: null,
          card: info.card, version: info.version,
        });
      } catch (err) {
        builtInMissing = err instanceof Error ? err.message : String(err);
      }
    }
    const { store } = this.ctx;
    for (const e of store.ensembles.list()) if (ensembleFolderExists(e)) models.push(ensembleChoice(e));
    for (const r of runExports(store)) {
      const run = store.runs.require(r.runId);
      const test = store.evaluations.listForRun(r.runId, 'test').at(-1);
      const split = (run.config as { split?: { kind?: unknown } } | null)?.split?.kind ?? run.split?.['kind'];
      models.push({
        kind: 'run', runId: r.runId, ensembleId: null, label: `#${r.runId} ${r.name}`, dir: r.dir, testAccuracy: test?.accuracy ?? null, uar: test?.uar ?? null,
        splitKind: typeof split === 'string' ? split : null, card: null, version: String(r.modelId),
      });
    }
    return { models, builtInMissing };
  }

  async start(deviceId: number | undefined, choice: LiveChoice = {}, keep = false): Promise<LiveStartResult> {
    if (this.#recording) throw new SerError('device', 'a recording is in progress; wait for it to finish');
    await this.stop();
    const model = this.chooseModel(choice);
    const { capture: session, classifier, keeper } = await startListening({
      ...(model ? { model: { dir: model.dir, builtIn: model.kind === 'built-in', runId: model.runId, modelId: model.modelId, ensembleId: model.ensembleId } } : {}),
      ...(deviceId === undefined ? {} : { deviceId }),
      keep: { store: this.ctx.store, now: keep },
    });
    this.#session = session;
    this.#classifier = classifier;
    this.#keeper = keeper;
    if (classifier) {
      classifier.onEvent((e) => {
        this.ctx.bus.emit('live', { kind: 'prediction', t: e.t, probs: e.probs, top: e.top, confidence: e.confidence, rms: e.rms, voiced: e.voiced, latencyMs: e.latencyMs });
      });
      classifier.onError((err) => {
        this.ctx.bus.emit('live', { kind: 'ended', error: { code: err.code, message: err.message } });
        void this.stop();
      });
    }
    const rate = session.opened.inputRate;
    let acc: Float32Array[] = [];
    let lastEmit = 0;
    session.onBlock((b) => {
      acc.push(b.samples);
      const now = b.deliveredAtMs;
      if (now - lastEmit < LEVEL_EVERY_MS) return;
      lastEmit = now;
      const n = acc.reduce((s, a) => s + a.length, 0);
      const joined = new Float32Array(n);
      let o = 0;
      for (const a of acc) {
        joined.set(a, o);
        o += a.length;
      }
      acc = [];
      const { rms, peak } = levels(joined);
      this.ctx.bus.emit('live', { kind: 'level', t: (b.frame + b.samples.length) / b.sampleRate, rms, peak });
    });
    void session.ended.then((end) => {
      if (this.#session === session) this.#session = undefined;
      this.#endKeeper();
      this.ctx.bus.emit('live', end.error ? { kind: 'ended', error: { code: end.error.code, message: end.error.message } } : { kind: 'ended' });
    });
    const device = session.opened.device.name;
    if (!classifier) {
      const reason = `${builtInMissingMessage()}; the level meter works meanwhile`;
      this.ctx.bus.emit('live', { kind: 'started', device, sampleRate: rate, classifier: false, reason });
      return { device, classifier: false, model: null, reason };
    }
    const inUse: LiveModelInUse = { kind: model!.kind, runId: model!.runId, ensembleId: model!.ensembleId, label: model!.label };
    const reason = `${model!.label} on ${classifier.backend}, ${classifier.windowFrames / classifier.sampleRate} s windows every ${classifier.hopFrames / classifier.sampleRate} s`;
    this.ctx.bus.emit('live', { kind: 'started', device, sampleRate: rate, classifier: true, reason });
    return { device, classifier: true, model: inUse, reason };
  }

  async stop(): Promise<{ ok: true }> {
    const s = this.#session;
    const c = this.#classifier;
    this.#session = undefined;
    this.#classifier = undefined;
    if (s) await s.stop();
    if (c) await c.close();
    this.#endKeeper();
    return { ok: true };
  }

  #endKeeper(): void {
    try {
      this.#keeper?.end();
    } catch (err) {
      console.error(`ending the kept live session failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Keeps (or stops keeping) the current session, or the last one after it stopped. */
  keep(keep: boolean): LiveKeepResult {
    if (!this.#keeper) {
      throw new SerError('bad-input', 'there is no live session with a model to keep: start listening with a model first');
    }
    return this.#keeper.keep(keep);
  }

  /** Kept sessions (also those saved by `ser live --save`), newest first; ones without predictions are left out. */
  sessions(): LiveSessionRow[] {
    const current = this.#keeper && !this.#keeper.ended ? this.#keeper.rowId : null;
    return this.ctx.store.live
      .listSessions({ limit: 200 })
      .filter((s) => s.predictionCount > 0 || s.id === current)
      .map((s) => sessionRow(this.ctx.store, s, current));
  }

  session(id: number): LiveSessionDetail {
    const s = this.ctx.store.live.getSession(id);
    if (!s) throw new SerError('not-found', `no saved live session with id ${id}`);
    return sessionDetail(this.ctx.store, s, this.#keeper && !this.#keeper.ended ? this.#keeper.rowId : null);
  }

  deleteSession(id: number): { deleted: boolean } {
    if (this.#keeper?.rowId === id) return { deleted: this.#keeper.keep(false).kept === false };
    if (!this.ctx.store.live.getSession(id)) throw new SerError('not-found', `no saved live session with id ${id}`);
    return { deleted: this.ctx.store.live.deleteSession(id) };
  }

  /** Records `seconds` from the device and saves a 48 kHz 16-bit WAV under recordings/<label>/. */
  async record(seconds: number, label: Emotion, deviceId: number | undefined, speaker?: string): Promise<RecordingResult> {
    if (this.#recording) throw new SerError('device', 'a recording is already in progress');
    await this.stop();
    const abort = new AbortController();
    this.#recording = abort;
    try {
      const rec = await recordAudio({
        seconds,
        signal: abort.signal,
        ...(deviceId === undefined ? {} : { deviceId }),
        onProgress: (p) => this.ctx.bus.emit('live', { kind: 'recording', seconds: p.seconds, rms: p.rms, peak: p.peak }),
      });
      if (rec.end.error && rec.samples.length === 0) throw new SerError('device', rec.end.error.message);
      // Named as `ser record --label [--speaker]` names them, so the scanner reads the speaker from either.
      const path = takePath(this.ctx.recordingsDir, label, speaker ? { speaker } : {});
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, encodeWav16(rec.samples, rec.sampleRate));
      return { path, label, seconds: rec.seconds, rms: rec.rms, peak: rec.peak, speaker: speaker ?? null, datasetRoot: this.ctx.recordingsDir };
    } finally {
      this.#recording = undefined;
    }
  }

  async close(): Promise<void> {
    this.#recording?.abort();
    await this.stop();
  }
}
