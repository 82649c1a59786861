/**
 * "Tune to my voice" in the CLI, with real audio and no mocks: `ser record --session --prompts` as a user runs it
 * (no terminal, so it runs straight through), a private PulseAudio null sink as the microphone, and RAVDESS dev
 * actor 04 as "the user": each prompt is answered by `paplay` of actor 04's clip of that emotion and statement.
 * One take is answered with half a second of speech and one with a clip turned up until it clips, so the quality flags are
 * checked on real captures. The session folder is then scanned (speaker = the user's name) and `ser tune` tunes a
 * tiny model trained for real on actors 01–02 (never heard actor 04) on it.
 */
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../electron/engine/audio/wav.js';
import { readFileSync } from 'node:fs';
import { EMOTIONS } from '../../electron/shared/labels.js';
import { pulseSkipReason, startPulse, type PulseServer } from '../helpers/pulse.js';
import { repoRoot, runSer, serBin, sharedDir, sharedSkipReason } from '../helpers/ser.js';
import { trainTinyModel, type TinyModel } from './helpers.js';

const run = promisify(execFile);
const skip = !sharedDir ? sharedSkipReason : pulseSkipReason;
if (skip) console.warn(`voice session tests skipped: ${skip}`);

const TAKES = 2;
const SECONDS = 4.5;
/** The prompts (1-based, as printed) answered with half a second of speech (→ short) and with a clipped clip (→ clipped). */
const SHORT_TAKE = 3; // calm, take 1
const CLIPPED_TAKE = 9; // angry, take 1

interface Session {
  code: number;
  stdout: string;
  stderr: string;
  played: string[];
}

/** Runs the session; every "● recording" line after a prompt is answered by playing that prompt's clip. */
function runSession(args: string[], env: NodeJS.ProcessEnv, answer: (index: number, emotion: string, statement: number) => Promise<string>): Promise<Session> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [serBin, 'record', ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let seen = 0;
    let current: { index: number; emotion: string; statement: number } | undefined;
    const played: string[] = [];
    let chain = Promise.resolve();
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const lines = stderr.split('\n');
      for (; seen < lines.length - 1; seen++) {
        const line = lines[seen]!;
        const prompt = /^\[(\d+)\/\d+\] (\w+), take \d+ of \d+: say “(Kids|Dogs) /.exec(line);
        if (prompt) current = { index: Number(prompt[1]), emotion: prompt[2]!, statement: prompt[3] === 'Kids' ? 1 : 2 };
        if (/^\s+● recording/.test(line) && current) {
          const c = current;
          chain = chain.then(async () => {
            const file = await answer(c.index, c.emotion, c.statement);
            played.push(file);
            await envPlay(env, file);
          });
        }
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 400_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      void chain.then(() => resolve({ code: code ?? -1, stdout, stderr, played }));
    });
  });
}

function envPlay(env: NodeJS.ProcessEnv, file: string): Promise<void> {
  return run('paplay', ['--device=vmic', file], { env }).then(() => undefined);
}

describe.skipIf(!!skip)('ser record --session --prompts through PulseAudio, then ser tune', () => {
  let pulse: PulseServer;
  let tiny: TinyModel;
  let folder: string;
  let session: Session;
  let summary: {
    folder: string; speaker: string; takes: number; perEmotion: Record<string, number>; dropped: number; rerecorded: number; stoppedEarly: boolean;
    flagged: Array<{ file: string; emotion: string; flags: string[]; voicedSeconds: number; peak: number }>;
  };
  const actor04 = () => join(sharedDir!, 'data', 'ravdess-dev', 'Actor_04');

  beforeAll(async () => {
    tiny = await trainTinyModel(); // actors 01–02 only
    pulse = await startPulse();
    folder = join(tiny.dir, 'my voice');
    const clipped = join(pulse.dir, 'clipped.wav');
    const short = join(pulse.dir, 'short.wav');
    // 0.5 s from the middle of actor 04's calm "Kids are talking by the door": real voice, too little of it.
    await run('sox', [join(actor04(), '03-01-02-01-01-01-04.wav'), short, 'trim', '1.3', '0.5']);
    const angry = join(actor04(), '03-01-05-02-01-01-04.wav');
    await run('sox', ['-v', '12', angry, clipped]).catch((err: Error & { stderr?: string }) => {
      if (!/clipped/i.test(err.stderr ?? err.message)) throw err; // sox warns (exit 0 or 2) that it clipped: wanted
    });
    session = await runSession(
      ['--session', folder, '--prompts', '--takes', String(TAKES), '--seconds', String(SECONDS), '--speaker', 'alice', '--json'],
      { ...process.env, ...pulse.env, ...tiny.env },
      async (index, emotion, statement) => {
        if (index === SHORT_TAKE) return short;
        if (index === CLIPPED_TAKE) return clipped;
        // Actor 04's clip of this emotion and statement, normal intensity, first repetition.
        const code = String(EMOTIONS.indexOf(emotion as (typeof EMOTIONS)[number]) + 1).padStart(2, '0');
        return join(actor04(), `03-01-${code}-01-0${statement}-01-04.wav`);
      },
    );
    summary = JSON.parse(session.stdout.trim().split('\n').at(-1)!) as typeof summary;
  }, 600_000);
  afterAll(async () => {
    await pulse?.stop();
    if (tiny) await rm(tiny.dir, { recursive: true, force: true });
  });

  it('prompts every take in order, alternating the two statements, and runs straight through without a terminal', () => {
    expect(session.code, session.stderr).toBe(0);
    const prompts = [...session.stderr.matchAll(/^\[(\d+)\/(\d+)\] (\w+), take (\d) of 2: say “([^”]+)”/gm)].map((m) => [Number(m[1]), m[3], Number(m[4]), m[5]]);
    expect(prompts).toHaveLength(8 * TAKES);
    expect(prompts.map((p) => p[1])).toEqual(EMOTIONS.flatMap((e) => [e, e]));
    expect(prompts.map((p) => p[3])).toEqual(EMOTIONS.flatMap(() => ['Kids are talking by the door', 'Dogs are sitting by the door']));
    expect(session.played).toHaveLength(8 * TAKES);
    expect(session.stderr).not.toMatch(/Enter keeps/); // no keyboard: no question asked
  });

  it('saves every take as a 48 kHz WAV named <timestamp>_alice under its emotion; the JSON summary counts them', () => {
    expect(summary).toMatchObject({ folder, speaker: 'alice', takes: 8 * TAKES, dropped: 0, rerecorded: 0, stoppedEarly: false });
    expect(summary.perEmotion).toEqual(Object.fromEntries(EMOTIONS.map((e) => [e, TAKES])));
    for (const e of EMOTIONS) {
      const files = readdirSync(join(folder, e));
      expect(files, e).toHaveLength(TAKES);
      for (const f of files) {
        expect(f).toMatch(/^\d{8}-\d{6}-\d{3}_alice\.wav$/);
        const wav = decodeWav(readFileSync(join(folder, e, f)));
        expect(wav.sampleRate).toBe(48_000);
        expect(wav.channels[0]!.length).toBe(SECONDS * 48_000);
      }
    }
    expect(statSync(folder).isDirectory()).toBe(true);
  });

  it('flags the half-second take as short and the clipped one as clipped, and no whole RAVDESS take', () => {
    const byEmotion = (e: string) => summary.flagged.filter((f) => f.emotion === e);
    expect(byEmotion('calm')).toEqual([expect.objectContaining({ flags: ['short'] })]);
    expect(byEmotion('calm')[0]!.voicedSeconds).toBeLessThan(1);
    expect(byEmotion('calm')[0]!.voicedSeconds).toBeGreaterThan(0.1); // voice was found, just too little
    expect(byEmotion('angry')).toEqual([expect.objectContaining({ flags: expect.arrayContaining(['clipped']) })]);
    expect(byEmotion('angry')[0]!.peak).toBeGreaterThanOrEqual(0.99);
    expect(summary.flagged, JSON.stringify(summary.flagged)).toHaveLength(2);
    expect(session.stderr).toMatch(/short: only 0\.\d s of voice \(needs 1 s\)/);
    expect(session.stderr).toMatch(/clipped: \d+ samples at full scale/);
  });

  it('is a dataset every verb reads: scan sees speaker alice; tune tunes the tiny model on it and compares on held-out takes', async () => {
    const scan = await runSer(['dataset', 'scan', folder, '--json', '--no-save'], { env: tiny.env });
    expect(scan.code, scan.stderr).toBe(0);
    const s = JSON.parse(scan.stdout) as { format: string; usable: number; bySpeaker: Record<string, number>; byEmotion: Record<string, number> };
    expect(s).toMatchObject({ format: 'folders', usable: 8 * TAKES, bySpeaker: { alice: 8 * TAKES } });
    expect(s.byEmotion).toEqual(Object.fromEntries(EMOTIONS.map((e) => [e, TAKES])));

    const t0 = Date.now();
    const tune = await runSer(['tune', '--model', String(tiny.runId), '--data', folder, '--epochs', '3', '--backend', 'wasm', '--json'], { env: tiny.env, timeoutMs: 300_000 });
    expect(tune.code, tune.stderr).toBe(0);
    const events = tune.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.filter((e) => e.event === 'epoch')).toHaveLength(3);
    const fin = events.at(-1) as { event: string; heldOut: number; before: { confusion: number[][] }; after: { confusion: number[][] }; durationMs: number };
    expect(fin).toMatchObject({ event: 'finished', heldOut: 8 });
    for (const side of [fin.before, fin.after]) expect(side.confusion.map((r) => r.reduce((a, b) => a + b, 0))).toEqual(new Array(8).fill(1));
    expect(fin.durationMs).toBeLessThan(Date.now() - t0);
  }, 300_000);
});
