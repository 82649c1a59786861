/**
 * The microphone: device list, a live session (level meter now; classifier predictions once a streaming
 * classifier is available — the `live` event already carries them), and record-and-label into "my recordings"
 * (a folder-per-label dataset under the data folder, browsable and trainable like any other).
 * Capture runs in its own process (native/audio/capture.ts); this service only receives 48 kHz blocks.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SerError } from '../errors.js';
import { encodeWav16 } from '../audio/wav.js';
import { listInputDevices, startCapture, type CaptureSession } from '../../../native/audio/capture.js';
import { levels, recordAudio } from '../../../native/audio/recorder.js';
import type { DeviceInfo, LiveStartResult, RecordingResult } from '../../api/types.js';
import type { Emotion } from '../labels.js';
import type { ServiceContext } from './context.js';

/** Level events per second (the meter does not need more; the sender throttles). */
const LEVEL_EVERY_MS = 50;

export class LiveService {
  #session: CaptureSession | undefined;
  #recording: AbortController | undefined;

  constructor(private readonly ctx: ServiceContext) {}

  listDevices(): Promise<DeviceInfo[]> {
    return listInputDevices();
  }

  async start(deviceId: number | undefined): Promise<LiveStartResult> {
    if (this.#recording) throw new SerError('device', 'a recording is in progress; wait for it to finish');
    await this.stop();
    const session = await startCapture(deviceId === undefined ? {} : { deviceId });
    this.#session = session;
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
      this.ctx.bus.emit('live', end.error ? { kind: 'ended', error: { code: end.error.code, message: end.error.message } } : { kind: 'ended' });
    });
    const reason = 'no streaming classifier in this build yet: the level meter runs, predictions will follow';
    this.ctx.bus.emit('live', { kind: 'started', device: session.opened.device.name, sampleRate: rate, classifier: false, reason });
    return { device: session.opened.device.name, classifier: false, reason };
  }

  async stop(): Promise<{ ok: true }> {
    const s = this.#session;
    this.#session = undefined;
    if (s) await s.stop();
    return { ok: true };
  }

  /** Records `seconds` from the device and saves a 48 kHz 16-bit WAV under recordings/<label>/. */
  async record(seconds: number, label: Emotion, deviceId: number | undefined): Promise<RecordingResult> {
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
      const dir = join(this.ctx.recordingsDir, label);
      await mkdir(dir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const path = join(dir, `${label}-${stamp}.wav`);
      await writeFile(path, encodeWav16(rec.samples, rec.sampleRate));
      return { path, label, seconds: rec.seconds, rms: rec.rms, peak: rec.peak, datasetRoot: this.ctx.recordingsDir };
    } finally {
      this.#recording = undefined;
    }
  }

  async close(): Promise<void> {
    this.#recording?.abort();
    await this.stop();
  }
}
