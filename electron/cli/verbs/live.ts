/**
 * `ser live [--model <dir|run id|built-in>] [--device id] [--seconds N] [--hop S] [--json] [--save]`: the emotion of the
 * microphone, live. Capture runs in its own process, inference on a worker thread (engine/live), so this thread
 * only routes blocks and draws. Human mode redraws one bar per emotion in place on a terminal (one line per
 * window otherwise); --json prints one event per line. A device that disappears ends the command within the
 * capture watchdog's 1.5 s with a one-line message and exit 1. Without --model it listens with the built-in model.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { SerError } from '../../shared/errors.js';
import { EMOTIONS } from '../../shared/labels.js';
import { BUILTIN_REF } from '../../engine/training/builtinModel.js';
import { defaultDbPath } from '../../engine/store/dbPath.js';
import type { LiveEvent } from '../../engine/live/streamingClassifier.js';
import type { SmoothingOptions } from '../../engine/live/smoothing.js';
import type { ListenOptions } from '../../services/listening.js';
import { parseNumber, printJson, round, UsageError } from '../output.js';
import { BACKEND_HELP, parseBackend } from '../trainOptions.js';

interface LiveFlags {
  model?: string;
  device?: string;
  seconds?: string;
  hop: string;
  backend?: string;
  gateDb: string;
  minVoiced: string;
  smooth: string;
  json?: boolean;
  save?: boolean;
  db?: string;
}

const BAR = 30;

function parseSmoothing(raw: string): SmoothingOptions {
  if (raw === 'none') return { method: 'none' };
  const mean = /^(?:mean:)?(\d+)$/.exec(raw);
  if (mean) {
    const windows = Number(mean[1]);
    if (windows < 1) throw new UsageError(`--smooth mean:N needs N ≥ 1, got '${raw}'`);
    return windows === 1 ? { method: 'none' } : { method: 'mean', windows };
  }
  const ema = /^ema:(\d*\.?\d+)$/.exec(raw);
  if (ema && Number(ema[1]) > 0 && Number(ema[1]) <= 1) return { method: 'ema', alpha: Number(ema[1]) };
  throw new UsageError(`--smooth expects none, mean:N (or N) or ema:ALPHA with 0 < ALPHA ≤ 1; got '${raw}'`);
}

function dbfsText(rms: number): string {
  return rms > 0 ? `${(20 * Math.log10(rms)).toFixed(0)} dBFS` : '-inf dBFS';
}

/** The event as printed by --json: probabilities keyed by emotion (as `ser classify`), compact numbers. */
function jsonEvent(e: LiveEvent): Record<string, unknown> {
  return {
    t: round(e.t, 3),
    top: e.top,
    confidence: round(e.confidence, 4),
    probs: Object.fromEntries(EMOTIONS.map((k, i) => [k, round(e.probs[i]!, 4)])),
    rms: round(e.rms, 6),
    voiced: e.voiced,
    voicedFraction: round(e.voicedFraction, 3),
    latencyMs: round(e.latencyMs, 2),
    featuresMs: round(e.featuresMs, 2),
    inferenceMs: round(e.inferenceMs, 2),
  };
}

/** One bar per emotion, redrawn in place (cursor up + clear line) on a terminal. */
class TerminalBars {
  #drawn = 0;
  draw(e: LiveEvent): void {
    const lines: string[] = [];
    const head = e.voiced ? `${e.top.toUpperCase()} ${(100 * e.confidence).toFixed(0)}%` : 'silence';
    lines.push(`  ${e.t.toFixed(1).padStart(7)} s   ${head.padEnd(16)} level ${dbfsText(e.rms).padStart(9)}   latency ${e.latencyMs.toFixed(0).padStart(4)} ms`);
    EMOTIONS.forEach((name, i) => {
      const p = e.probs[i]!;
      const n = Math.round(p * BAR);
      const mark = e.voiced && e.top === name ? '>' : ' ';
      lines.push(` ${mark}${name.padStart(10)} ${'█'.repeat(n)}${'·'.repeat(BAR - n)} ${(100 * p).toFixed(0).padStart(3)}%`);
    });
    const up = this.#drawn ? `\x1b[${this.#drawn}A` : '';
    process.stdout.write(up + lines.map((l) => `\x1b[2K${l}\n`).join(''));
    this.#drawn = lines.length;
  }
}

function plainLine(e: LiveEvent): string {
  if (!e.voiced) return `${e.t.toFixed(2).padStart(8)} s  silence   (${dbfsText(e.rms)}, ${e.latencyMs.toFixed(0)} ms)\n`;
  const ranked = EMOTIONS.map((name, i) => ({ name, p: e.probs[i]! })).sort((a, b) => b.p - a.p);
  const rest = ranked.slice(1, 3).map((r) => `${r.name} ${(100 * r.p).toFixed(0)}%`).join(', ');
  return `${e.t.toFixed(2).padStart(8)} s  ${e.top} ${(100 * e.confidence).toFixed(0)}%  (then ${rest}; ${dbfsText(e.rms)}, ${e.latencyMs.toFixed(0)} ms)\n`;
}

export function registerLive(program: Command): void {
  program
    .command('live')
    .description('the emotion of the microphone, live: a 3 s window every --hop seconds (Ctrl-C stops)')
    .option('--model <dir|run-id|ensemble:id|built-in>', 'exported model folder, a run id, a recorded ensemble, or built-in (default: the built-in model)')
    .option('--device <id>', 'input device id from `ser devices` (default: the default input device)')
    .option('--seconds <n>', 'stop after this many seconds of audio (default: until Ctrl-C)')
    .option('--hop <s>', 'seconds between windows', '0.5')
    .option('--backend <name>', `${BACKEND_HELP} (default: the fastest that loads)`)
    .option('--gate-db <dBFS>', 'silence gate: a 20 ms frame is voiced at or above this level', '-50')
    .option('--min-voiced <fraction>', 'silence gate: a window needs this fraction of voiced frames', '0.1')
    .option('--smooth <spec>', 'smoothing over voiced windows: none | mean:N | ema:ALPHA', 'mean:3')
    .option('--json', 'one JSON event per line: {t, top, confidence, probs, rms, voiced, voicedFraction, latencyMs, featuresMs, inferenceMs}')
    .option('--save', 'keep the session and its predictions in the experiment database')
    .option('--db <path>', 'experiment database (run ids, --save)')
    .action(async (flags: LiveFlags) => {
      const hopSeconds = parseNumber('--hop', flags.hop, { min: 0.05, max: 3 });
      const seconds = flags.seconds === undefined ? undefined : parseNumber('--seconds', flags.seconds, { min: 0.1, max: 24 * 3600 });
      const deviceId = flags.device === undefined ? undefined : parseNumber('--device', flags.device, { min: 0, integer: true });
      const thresholdDbfs = parseNumber('--gate-db', flags.gateDb, { min: -120, max: 0 });
      const minVoicedFraction = parseNumber('--min-voiced', flags.minVoiced, { min: 0, max: 1 });
      const smoothing = parseSmoothing(flags.smooth);
      const backend = parseBackend(flags.backend);

      const dbPath = flags.db ?? defaultDbPath();
      const { resolveModelDir } = await import('../../engine/training/exported.js');
      const { ensembleRefId } = await import('../../engine/training/ensembleRecords.js');
      const modelDir = resolve(resolveModelDir(flags.model, dbPath));
      const builtIn = flags.model === undefined || flags.model === BUILTIN_REF;
      const ensembleId = ensembleRefId(flags.model);
      // --save: the session row is written at the start, predictions in batches (one transaction each), ended at the end.
      const store = flags.save ? (await import('../../engine/store/index.js')).openStore(dbPath) : undefined;
      try {
        await listen(flags, {
          model: { dir: modelDir, builtIn, ...(ensembleId === undefined ? {} : { ensembleId }) },
          classifier: { hopSeconds, gate: { thresholdDbfs, minVoicedFraction }, smoothing, ...(backend ? { backend } : {}) },
          ...(deviceId === undefined ? {} : { deviceId }),
          ringSeconds: 10,
          ...(store ? { keep: { store, now: true } } : {}),
        }, seconds);
      } finally {
        store?.close();
      }
    });
}

/** Listens until `seconds` of audio, Ctrl-C or a device failure, printing each window's result. */
async function listen(flags: LiveFlags, options: ListenOptions & { model: NonNullable<ListenOptions['model']> }, seconds: number | undefined): Promise<void> {
  const { startListening } = await import('../../services/listening.js');
  const { CAPTURE_RATE } = await import('../../../native/audio/capture.js');
  const { capture, classifier, keeper } = await startListening(options);
  if (!classifier) throw new SerError('internal', 'listening started without its model'); // with a model it never does
  const device = capture.opened.device;
  const until = seconds === undefined ? 'Ctrl-C to stop' : `${seconds} s, Ctrl-C stops early`;
  const { dir, builtIn } = options.model;
  const windowSeconds = classifier.windowFrames / classifier.sampleRate;
  process.stderr.write(
    `listening on ${device.name} (id ${device.id}) with ${builtIn ? `the built-in model (${dir})` : dir} on ${classifier.backend}: ${windowSeconds} s windows every ${classifier.options.hopSeconds} s, first result after ${windowSeconds} s; ${until}\n`,
  );

  const bars = !flags.json && process.stdout.isTTY ? new TerminalBars() : undefined;
  const limitFrames = seconds === undefined ? Infinity : Math.round(seconds * CAPTURE_RATE);
  let events = 0;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void capture.stop();
  };
  classifier.onEvent((e) => {
    events++;
    if (flags.json) printJson(jsonEvent(e));
    else if (bars) bars.draw(e);
    else process.stdout.write(plainLine(e));
  });
  let classifierError: SerError | undefined;
  classifier.onError((err) => {
    classifierError = new SerError(err.code, `live classification failed: ${err.message}`);
    stop();
  });
  capture.onBlock((b) => {
    if (b.frame + b.samples.length >= limitFrames) stop();
  });
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  let end;
  try {
    end = await capture.ended;
    // The windows already cut still get their result (a normal end); after a device failure, quit at once.
    if (!end.error && !classifierError) await classifier.idle();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await classifier.close();
  }
  keeper?.end();
  const sessionId = keeper?.rowId ?? undefined;
  if (classifierError) throw classifierError;
  const heard = `${(end.frames / CAPTURE_RATE).toFixed(1)} s heard, ${events} window${events === 1 ? '' : 's'}`;
  const saved = sessionId === undefined ? '' : `; saved as live session ${sessionId}`;
  if (end.error) throw new SerError(end.error.code, `${end.error.message}; live stopped after ${heard}${saved}`);
  if (!flags.json) process.stderr.write(`stopped: ${heard}${classifier.stats.dropped ? ` (${classifier.stats.dropped} skipped: the classifier was busy)` : ''}${saved}\n`);
  else if (sessionId !== undefined) process.stderr.write(`saved as live session ${sessionId}\n`);
}
