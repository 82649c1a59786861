/**
 * `ser record --out file.wav [--seconds N] [--device id] [--json]`: records the microphone to a 48 kHz 16-bit mono WAV.
 * `ser record --label <emotion> [--speaker name]` saves into the "my recordings" dataset instead
 * (`<dataDir>/recordings/<emotion>/<timestamp>[_<speaker>].wav`, a folder-per-label dataset).
 * Ctrl-C stops early and still saves; a device that fails mid-way still saves what came before, then exits 1.
 * `ser record --session [dir] --prompts` runs the guided session of "Tune to my voice" (recordSession.ts).
 */
import { access, mkdir, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { SerError } from '../../shared/errors.js';
import { encodeWav16 } from '../../engine/audio/wav.js';
import { defaultDataDir } from '../../engine/dataDir.js';
import { EMOTIONS } from '../../shared/labels.js';
import { checkSpeaker, defaultSpeaker, isEmotion, recordingPath, voiceDir } from '../../engine/live/recordings.js';
import { DEFAULT_TAKES_PER_EMOTION, MAX_TAKES_PER_EMOTION } from '../../engine/live/sessionPlan.js';
import { printSessionSummary, runRecordSession } from './recordSession.js';
import { recordAudio, type RecordProgress } from '../../../native/audio/recorder.js';
import { parseNumber, printJson, round, UsageError } from '../output.js';

function dbfs(x: number): string {
  return x > 0 ? `${(20 * Math.log10(x)).toFixed(1)} dBFS` : '-inf dBFS';
}

/** One status line redrawn in place: seconds and a level bar over -60…0 dBFS. */
function progressLine(p: RecordProgress): string {
  const db = p.rms > 0 ? 20 * Math.log10(p.rms) : -Infinity;
  const filled = Math.max(0, Math.min(30, Math.round(((db + 60) / 60) * 30)));
  return `\r  ${p.seconds.toFixed(1).padStart(6)} s  [${'#'.repeat(filled)}${' '.repeat(30 - filled)}] ${dbfs(p.rms).padStart(11)}`;
}

export function registerRecord(program: Command): void {
  program
    .command('record')
    .description('record from an input device to a 48 kHz 16-bit mono WAV (Ctrl-C stops early and still saves)')
    .option('--out <file.wav>', 'WAV file to write (or --label)')
    .option('--label <emotion>', `save into the "my recordings" dataset under this emotion (${EMOTIONS.join(', ')})`)
    .option('--speaker <name>', 'with --label: speaker name kept in the file name (letters, digits, - and _)')
    .option('--seconds <n>', 'stop after this many seconds (default: until Ctrl-C; with --session: 3.5 s per take)')
    .option('--device <id>', 'input device id from `ser devices` (default: the default input device)')
    .option('--session [dir]', 'a guided session (with --prompts): 8 emotions × --takes prompted takes into a folder-per-label dataset (default <data folder>/recordings/voice-<speaker>)')
    .option('--prompts', 'prompt each take of the session: emotion and sentence; Enter keeps, r re-records, d drops (on a terminal)')
    .option('--takes <n>', `with --session: takes per emotion (default ${DEFAULT_TAKES_PER_EMOTION})`)
    .option('--json', 'print one JSON object at the end: {"file","seconds","sampleRate":48000,"rms","peak"} (+ "label", "speaker"); with --session {"folder","speaker","takes","perEmotion","flagged",…}')
    .action(async (opts: { out?: string; label?: string; speaker?: string; seconds?: string; device?: string; json?: boolean; session?: string | true; prompts?: boolean; takes?: string }) => {
      if (opts.session !== undefined || opts.prompts) {
        if (opts.out !== undefined || opts.label !== undefined) throw new UsageError('--session records every emotion in turn: leave out --out and --label');
        let speaker: string;
        try {
          speaker = checkSpeaker(opts.speaker ?? defaultSpeaker());
        } catch (err) {
          throw new UsageError(`--speaker: ${(err as Error).message}`);
        }
        const summary = await runRecordSession({
          dir: typeof opts.session === 'string' ? opts.session : voiceDir(defaultDataDir(), speaker),
          speaker,
          takes: opts.takes === undefined ? DEFAULT_TAKES_PER_EMOTION : parseNumber('--takes', opts.takes, { integer: true, min: 1, max: MAX_TAKES_PER_EMOTION }),
          seconds: opts.seconds === undefined ? 3.5 : parseNumber('--seconds', opts.seconds, { min: 1, max: 30 }),
          ...(opts.device === undefined ? {} : { deviceId: parseNumber('--device', opts.device, { min: 0, integer: true }) }),
          json: opts.json === true,
        });
        printSessionSummary(summary, opts.json === true);
        if (summary.stoppedEarly) process.exitCode = 130;
        return;
      }
      if (opts.takes !== undefined) throw new UsageError('--takes goes with --session');
      if (opts.out !== undefined && opts.label !== undefined) throw new UsageError('give either --out <file.wav> or --label <emotion>, not both');
      if (opts.out === undefined && opts.label === undefined) throw new UsageError('give --out <file.wav>, or --label <emotion> to save into "my recordings"');
      if (opts.speaker !== undefined && opts.label === undefined) throw new UsageError('--speaker goes with --label');
      if (opts.label !== undefined && !isEmotion(opts.label)) throw new UsageError(`--label must be one of ${EMOTIONS.join(', ')}; got '${opts.label}'`);
      let speaker: string | undefined;
      if (opts.speaker !== undefined) {
        try {
          speaker = checkSpeaker(opts.speaker);
        } catch (err) {
          throw new UsageError(`--speaker: ${(err as Error).message}`);
        }
      }
      const seconds = opts.seconds === undefined ? undefined : parseNumber('--seconds', opts.seconds, { min: 0.05, max: 24 * 3600 });
      const deviceId = opts.device === undefined ? undefined : parseNumber('--device', opts.device, { min: 0, integer: true });
      const label = opts.label !== undefined && isEmotion(opts.label) ? opts.label : undefined;
      // The path is fixed now (start time), so the timestamp says when the utterance began.
      const file = label ? recordingPath(defaultDataDir(), label, speaker ? { speaker } : {}) : resolve(opts.out!);
      const shown = label ? file : opts.out!;
      // Fail before recording, not after the user has spoken.
      if (label) {
        await mkdir(dirname(file), { recursive: true }).catch((err: Error) => {
          throw new SerError('io', `cannot create the recordings folder ${dirname(file)}: ${err.message}; set SER_DATA_DIR to a writable folder`);
        });
      }
      await access(dirname(file), constants.W_OK).catch(() => {
        throw new SerError('io', `cannot write ${shown}: folder ${dirname(file)} does not exist or is not writable`);
      });

      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const tty = process.stderr.isTTY === true;
      let rec;
      try {
        rec = await recordAudio({
          deviceId,
          seconds,
          signal: abort.signal,
          onStart: (o) => {
            const until = seconds === undefined ? 'Ctrl-C to stop' : `${seconds} s, Ctrl-C stops early`;
            process.stderr.write(`recording from ${o.device.name} (${o.device.hostAPI}, id ${o.device.id}, ${o.inputRate} Hz → 48 kHz mono); ${until}\n`);
          },
          onProgress: tty ? (p) => process.stderr.write(progressLine(p)) : undefined,
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      if (tty) process.stderr.write('\n');

      const failed = rec.end.error;
      if (rec.samples.length === 0) {
        throw failed
          ? new SerError(failed.code, `${failed.message}; nothing was recorded`)
          : new SerError('cancelled', 'recording stopped before any audio arrived; nothing written');
      }
      try {
        await writeFile(file, encodeWav16(rec.samples, rec.sampleRate));
      } catch (err) {
        throw new SerError('io', `cannot write ${shown}: ${err instanceof Error ? err.message : String(err)}`);
      }
      const summary = {
        file,
        seconds: round(rec.seconds, 3),
        sampleRate: rec.sampleRate,
        rms: round(rec.rms, 6),
        peak: round(rec.peak, 6),
        ...(label ? { label, speaker: speaker ?? null } : {}),
      };
      if (opts.json) printJson(summary);
      else {
        process.stdout.write(`saved ${summary.seconds.toFixed(2)} s to ${shown} (48 kHz 16-bit mono, RMS ${dbfs(rec.rms)}, peak ${dbfs(rec.peak)})\n`);
        if (label) process.stdout.write(`  "${label}" in my recordings (${dirname(dirname(file))}); train on them with: ser train --data ${dirname(dirname(file))}\n`);
      }
      if (failed) throw new SerError(failed.code, `${failed.message}; the ${summary.seconds.toFixed(2)} s recorded before were saved to ${shown}`);
    });
}
