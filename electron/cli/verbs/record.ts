/**
 * `ser record --out file.wav [--seconds N] [--device id] [--json]`: records the microphone to a 48 kHz 16-bit mono WAV.
 * Ctrl-C stops early and still saves; a device that fails mid-way still saves what came before, then exits 1.
 */
import { access, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { SerError } from '../../engine/errors.js';
import { encodeWav16 } from '../../engine/audio/wav.js';
import { recordAudio, type RecordProgress } from '../../../native/audio/recorder.js';
import { parseNumber, printJson, round } from '../output.js';

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
    .requiredOption('--out <file.wav>', 'WAV file to write')
    .option('--seconds <n>', 'stop after this many seconds (default: until Ctrl-C)')
    .option('--device <id>', 'input device id from `ser devices` (default: the default input device)')
    .option('--json', 'print one JSON object at the end: {"file","seconds","sampleRate":48000,"rms","peak"}')
    .action(async (opts: { out: string; seconds?: string; device?: string; json?: boolean }) => {
      const seconds = opts.seconds === undefined ? undefined : parseNumber('--seconds', opts.seconds, { min: 0.05, max: 24 * 3600 });
      const deviceId = opts.device === undefined ? undefined : parseNumber('--device', opts.device, { min: 0, integer: true });
      const file = resolve(opts.out);
      // Fail before recording, not after the user has spoken.
      await access(dirname(file), constants.W_OK).catch(() => {
        throw new SerError('io', `cannot write ${opts.out}: folder ${dirname(file)} does not exist or is not writable`);
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
        throw new SerError('io', `cannot write ${opts.out}: ${err instanceof Error ? err.message : String(err)}`);
      }
      const summary = { file, seconds: round(rec.seconds, 3), sampleRate: rec.sampleRate, rms: round(rec.rms, 6), peak: round(rec.peak, 6) };
      if (opts.json) printJson(summary);
      else process.stdout.write(`saved ${summary.seconds.toFixed(2)} s to ${opts.out} (48 kHz 16-bit mono, RMS ${dbfs(rec.rms)}, peak ${dbfs(rec.peak)})\n`);
      if (failed) throw new SerError(failed.code, `${failed.message}; the ${summary.seconds.toFixed(2)} s recorded before were saved to ${opts.out}`);
    });
}
