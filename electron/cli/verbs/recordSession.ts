/**
 * `ser record --session [dir] --prompts`: the guided recording session behind "Tune to my voice". Prompts each
 * take (emotion and sentence), records a fixed number of seconds (so it runs with no keyboard at all), checks the
 * take (voice shorter than 1 s, clipping) and saves it into a folder-per-label dataset with the speaker in every
 * file name, which `ser dataset scan`, `ser eval --data` and `ser tune --data` read as they are.
 *
 * With a terminal on stdin, each take waits for a key: Enter keeps it, r re-records, d drops it, p replays it (when
 * there is an output device), q ends the session (what was kept stays). Without one (CI, a pipe) it runs straight through and keeps every take, flagged
 * or not; the summary lists the flagged ones.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, relative, resolve } from 'node:path';
import { SerError } from '../../shared/errors.js';
import { EMOTIONS, type Emotion } from '../../shared/labels.js';
import { encodeWav16 } from '../../engine/audio/wav.js';
import { checkTake, type TakeFlag } from '../../engine/audio/takeQuality.js';
import { planSession, promptText, type Prompt } from '../../engine/live/sessionPlan.js';
import { takePath } from '../../engine/live/recordings.js';
import { recordAudio, type RecordProgress } from '../../../native/audio/recorder.js';
import { defaultOutputName, playSamples } from '../../../native/audio/playback.js';
import { printJson, round } from '../output.js';

export interface SessionFlags {
  dir: string;
  speaker: string;
  takes: number;
  seconds: number;
  deviceId?: number;
  json: boolean;
}

export interface SessionSummary {
  folder: string;
  speaker: string;
  /** Takes kept. */
  takes: number;
  perEmotion: Record<Emotion, number>;
  flagged: Array<{ file: string; emotion: Emotion; flags: TakeFlag[]; voicedSeconds: number; peak: number }>;
  dropped: number;
  rerecorded: number;
  /** True when the session ended before its last prompt (q, Ctrl-C). */
  stoppedEarly: boolean;
}

const dbfs = (x: number) => (x > 0 ? `${(20 * Math.log10(x)).toFixed(1)} dBFS` : '-inf dBFS');

function levelBar(p: RecordProgress, total: number): string {
  const db = p.rms > 0 ? 20 * Math.log10(p.rms) : -Infinity;
  const filled = Math.max(0, Math.min(30, Math.round(((db + 60) / 60) * 30)));
  const clip = p.peak >= 0.99 ? ' CLIP' : '';
  return `\r  ● ${p.seconds.toFixed(1)} / ${total.toFixed(1)} s  [${'#'.repeat(filled)}${' '.repeat(30 - filled)}] ${dbfs(p.rms).padStart(11)}${clip}   `;
}

type Choice = 'keep' | 'again' | 'drop' | 'quit' | 'replay';

/** One key from a raw-mode terminal: Enter/k keep, r again, d drop, p replay (if `canReplay`), q (or Ctrl-C) quit. */
function askKey(canReplay: boolean): Promise<Choice> {
  const stdin = process.stdin;
  return new Promise((done) => {
    const onData = (buf: Buffer) => {
      const k = buf.toString('utf8').toLowerCase();
      const choice: Choice | undefined =
        k === '\r' || k === '\n' || k === 'k' ? 'keep' : k === 'r' ? 'again' : k === 'd' ? 'drop' : k === 'p' && canReplay ? 'replay' : k === 'q' || k === '\u0003' ? 'quit' : undefined;
      if (!choice) return;
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      done(choice);
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

export async function runRecordSession(f: SessionFlags): Promise<SessionSummary> {
  const plan = planSession(f.takes);
  const folder = resolve(f.dir);
  await mkdir(folder, { recursive: true }).catch((err: Error) => {
    throw new SerError('io', `cannot create the session folder ${folder}: ${err.message}`);
  });
  const interactive = process.stdin.isTTY === true && typeof process.stdin.setRawMode === 'function';
  const meter = process.stderr.isTTY === true;
  const say = (s: string) => process.stderr.write(s + '\n');
  const summary: SessionSummary = {
    folder,
    speaker: f.speaker,
    takes: 0,
    perEmotion: Object.fromEntries(EMOTIONS.map((e) => [e, 0])) as Record<Emotion, number>,
    flagged: [],
    dropped: 0,
    rerecorded: 0,
    stoppedEarly: false,
  };

  // Replay needs an output device: asked once, and only when someone is at the keyboard to press p.
  const output = interactive ? await defaultOutputName().catch(() => null) : null;
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  say(
    `Recording session for "${f.speaker}": ${plan.length} takes (${f.takes} per emotion), ${f.seconds} s each, into ${folder}` +
      (interactive ? `\nAfter each take: Enter keeps it, r records it again, d drops it, ${output ? `p replays it (on ${output}), ` : ''}q ends the session.` : ''),
  );
  try {
    for (let i = 0; i < plan.length && !abort.signal.aborted; i++) {
      const p: Prompt = plan[i]!;
      say(`\n[${i + 1}/${plan.length}] ${promptText(p)}`);
      for (;;) {
        if (interactive) await new Promise((r) => setTimeout(r, 600)); // a moment to read the prompt
        const rec = await recordAudio({
          seconds: f.seconds,
          signal: abort.signal,
          ...(f.deviceId === undefined ? {} : { deviceId: f.deviceId }),
          onStart: () => say(`  ● recording ${f.seconds} s — speak now`),
          ...(meter ? { onProgress: (pr: RecordProgress) => process.stderr.write(levelBar(pr, f.seconds)) } : {}),
        });
        if (meter) process.stderr.write('\n');
        if (rec.end.error && rec.samples.length === 0) throw new SerError(rec.end.error.code, `${rec.end.error.message}; ${summary.takes} take(s) were saved in ${folder}`);
        if (abort.signal.aborted) break; // Ctrl-C mid-take: that take is not kept
        const file = takePath(folder, p.emotion, { speaker: f.speaker });
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, encodeWav16(rec.samples, rec.sampleRate)).catch((err: Error) => {
          throw new SerError('io', `cannot write ${file}: ${err.message}`);
        });
        const q = checkTake(rec.samples, rec.sampleRate);
        const rel = relative(folder, file);
        say(`  ${q.flags.length ? '⚠' : '✓'} ${rel}: ${q.seconds.toFixed(1)} s, voice ${q.voicedSeconds.toFixed(1)} s, peak ${dbfs(q.peak)}, RMS ${dbfs(q.rms)}`);
        for (const r of q.reasons) say(`    ${r}`);
        if (rec.end.error) throw new SerError(rec.end.error.code, `${rec.end.error.message}; the take so far was saved as ${file}`);
        let choice: Choice = interactive ? await askKey(output !== null) : 'keep';
        while (choice === 'replay') {
          await playSamples(rec.samples, rec.sampleRate).catch((err: Error) => say(`  cannot replay: ${err.message}`));
          choice = await askKey(true);
        }
        if (choice === 'again') {
          await rm(file, { force: true });
          summary.rerecorded++;
          say('  recording it again');
          continue;
        }
        if (choice === 'drop' || choice === 'quit') {
          if (choice === 'drop') {
            await rm(file, { force: true });
            summary.dropped++;
            say(`  dropped ${basename(file)}`);
          }
          if (choice === 'quit') {
            await rm(file, { force: true });
            summary.dropped++;
            abort.abort();
          }
          break;
        }
        summary.takes++;
        summary.perEmotion[p.emotion]++;
        if (q.flags.length) summary.flagged.push({ file: rel, emotion: p.emotion, flags: q.flags, voicedSeconds: q.voicedSeconds, peak: round(q.peak, 4) });
        break;
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  summary.stoppedEarly = abort.signal.aborted;
  return summary;
}

export function printSessionSummary(s: SessionSummary, json: boolean): void {
  if (json) {
    printJson(s);
    return;
  }
  const out = (l: string) => process.stdout.write(l + '\n');
  out(`\n${s.takes} take(s) kept${s.stoppedEarly ? ' (session ended early)' : ''}, ${s.dropped} dropped, ${s.rerecorded} re-recorded — ${s.folder}`);
  out(EMOTIONS.map((e) => `${e} ${s.perEmotion[e]}`).join(' · '));
  if (s.flagged.length) {
    out(`flagged (kept; listen and re-record if they sound wrong):`);
    for (const f of s.flagged) out(`  ${f.file}: ${f.flags.join(', ')} (voice ${f.voicedSeconds.toFixed(1)} s, peak ${dbfs(f.peak)})`);
  }
  out(`tune the built-in model to this voice with: ser tune --data ${s.folder}`);
}
