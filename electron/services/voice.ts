/**
 * The guided recording session of "Tune to my voice", for the app's wizard: the plan of prompts, one take at a time
 * recorded from the microphone into the speaker's folder-per-label dataset (`<data>/recordings/voice-<speaker>`,
 * file names `<timestamp>_<speaker>.wav`, what `ser record --session` writes too), each take checked (short of
 * voice, clipped) and returned with its waveform; takes dropped by name. Paths never come from a client: a take is
 * (speaker, emotion, file name), each checked against its pattern, resolved inside the speaker's folder.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SerError } from '../shared/errors.js';
import { EMOTIONS, type Emotion } from '../shared/labels.js';
import { TAKE_NAME } from '../shared/takeNames.js';
import { decodeWav, encodeWav16 } from '../engine/audio/wav.js';
import { checkTake } from '../engine/audio/takeQuality.js';
import { checkSpeaker, isEmotion, takePath, voiceDir } from '../engine/live/recordings.js';
import { planSession, promptText } from '../engine/live/sessionPlan.js';
import { recordAudio } from '../../native/audio/recorder.js';
import type { VoiceSessionView, VoiceTake } from '../contract/types.js';
import type { ServiceContext } from './context.js';

/** Columns of the waveform envelope sent with a take. */
const WAVE_COLUMNS = 400;

function envelope(x: Float32Array, columns: number): { waveMin: number[]; waveMax: number[] } {
  const waveMin: number[] = [];
  const waveMax: number[] = [];
  const per = x.length / columns;
  for (let c = 0; c < columns; c++) {
    let lo = 0;
    let hi = 0;
    for (let i = Math.floor(c * per); i < Math.min(x.length, Math.floor((c + 1) * per)); i++) {
      const v = x[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    waveMin.push(Math.round(lo * 1e4) / 1e4);
    waveMax.push(Math.round(hi * 1e4) / 1e4);
  }
  return { waveMin, waveMax };
}

function describe(speaker: string, emotion: Emotion, name: string, samples: Float32Array, rate: number): Omit<VoiceTake, 'waveMin' | 'waveMax'> {
  const q = checkTake(samples, rate);
  return {
    speaker,
    emotion,
    name,
    seconds: Math.round(q.seconds * 1000) / 1000,
    voicedSeconds: q.voicedSeconds,
    peak: Math.round(q.peak * 1e4) / 1e4,
    rms: Math.round(q.rms * 1e5) / 1e5,
    clippedSamples: q.clippedSamples,
    flags: q.flags,
    reasons: q.reasons,
  };
}

export class VoiceService {
  #recording: AbortController | undefined;

  /** `stopListening` frees the microphone of a live session before a take (the Live view's listening). */
  constructor(
    private readonly ctx: ServiceContext,
    private readonly stopListening: () => Promise<unknown>,
  ) {}

  folder(speaker: string): string {
    return voiceDir(this.ctx.dataDir, checkSpeaker(speaker));
  }

  session(speaker: string, takes?: number): VoiceSessionView {
    const folder = this.folder(speaker);
    const plan = planSession(takes).map((p) => ({ ...p, text: promptText(p) }));
    const found: VoiceSessionView['takes'] = [];
    for (const emotion of EMOTIONS) {
      const dir = join(folder, emotion);
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir).filter((n) => TAKE_NAME.test(n)).sort()) {
        try {
          const wav = decodeWav(readFileSync(join(dir, name)), join(dir, name));
          found.push(describe(speaker, emotion, name, wav.channels[0]!, wav.sampleRate));
        } catch {
          /* not a WAV this app wrote: the scanner will report it; the wizard lists only takes */
        }
      }
    }
    return { speaker, folder, plan, takes: found.sort((a, b) => (a.name < b.name ? -1 : 1)) };
  }

  /** Records `seconds` (level on the `live` bus as `recording` events) and saves the take. */
  async record(speaker: string, emotion: Emotion, seconds: number, deviceId: number | undefined): Promise<VoiceTake> {
    if (this.#recording) throw new SerError('device', 'a take is already being recorded; wait for it to finish');
    const folder = this.folder(speaker);
    const abort = new AbortController();
    this.#recording = abort;
    try {
      await this.stopListening();
      const rec = await recordAudio({
        seconds,
        signal: abort.signal,
        ...(deviceId === undefined ? {} : { deviceId }),
        onProgress: (p) => this.ctx.bus.emit('live', { kind: 'recording', seconds: p.seconds, rms: p.rms, peak: p.peak }),
      });
      if (rec.end.error && rec.samples.length === 0) throw new SerError(rec.end.error.code, rec.end.error.message);
      const file = takePath(folder, emotion, { speaker });
      await mkdir(join(folder, emotion), { recursive: true });
      await writeFile(file, encodeWav16(rec.samples, rec.sampleRate)).catch((err: Error) => {
        throw new SerError('io', `cannot write ${file}: ${err.message}`);
      });
      const name = file.slice(join(folder, emotion).length + 1);
      return { ...describe(speaker, emotion, name, rec.samples, rec.sampleRate), ...envelope(rec.samples, WAVE_COLUMNS) };
    } finally {
      this.#recording = undefined;
    }
  }

  /** The file of a take, or SerError('not-found'); nothing outside the speaker's folder can be named. */
  resolveTake(speaker: string, emotion: string, name: string): string {
    if (!isEmotion(emotion)) throw new SerError('not-found', `no emotion '${emotion}'`);
    if (!TAKE_NAME.test(name)) throw new SerError('not-found', `'${name}' is not a take name`);
    const file = join(this.folder(speaker), emotion, name);
    if (!existsSync(file)) throw new SerError('not-found', `no take ${emotion}/${name} of ${speaker}`);
    return file;
  }

  async delete(speaker: string, emotion: Emotion, name: string): Promise<{ deleted: boolean }> {
    await rm(this.resolveTake(speaker, emotion, name));
    return { deleted: true };
  }

  close(): void {
    this.#recording?.abort();
  }
}
