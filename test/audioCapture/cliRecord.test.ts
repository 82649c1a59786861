/**
 * `ser devices` and `ser record` as a user runs them (node bin/ser.js, built dist/), against a private PulseAudio
 * null sink. The last test kills this file's PulseAudio server, so it must stay last.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav, readWavInfo } from '../../electron/engine/audio/wav.js';
import { StreamResampler } from '../../native/audio/streamResampler.js';
import { espeakSkipReason, pulseSkipReason, startPulse, synthSpeech, type PulseServer } from '../helpers/pulse.js';
import { runSer, serBin, repoRoot } from '../helpers/ser.js';
import { bestCorrelation } from './signals.js';

const skip = pulseSkipReason ?? espeakSkipReason;
if (skip) console.warn(`ser devices/record real-audio tests skipped: ${skip}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Running {
  pid: number;
  /** Resolves when stderr has matched `re`. */
  stderrMatch(re: RegExp): Promise<void>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; exitedAt: number }>;
}

/** Starts `ser` in its own process group (like a terminal job), to watch it while it runs. */
function startSer(args: string[], env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, [serBin, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ re: RegExp; resolve: () => void }> = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    for (const w of waiters.splice(0)) (w.re.test(stderr) ? w.resolve() : waiters.push(w));
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  let exitedAt = 0;
  child.on('exit', () => {
    exitedAt = performance.now();
    clearTimeout(killer);
  });
  // 'close' comes after 'exit' and after stdout/stderr are drained.
  const done = new Promise<Awaited<Running['done']>>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, exitedAt })));
  return {
    pid: child.pid!,
    stderrMatch: (re) =>
      new Promise<void>((resolve, reject) => {
        if (re.test(stderr)) return resolve();
        waiters.push({ re, resolve });
        void done.then((r) => reject(new Error(`ser exited (${r.code}) before stderr matched ${re}: ${r.stderr}`)));
      }),
    done,
  };
}

/** True when ALSA sees no sound card (CI VMs, containers): then with no sound server there is no input device at all. */
function noSoundCards(): boolean {
  return !existsSync('/proc/asound/cards') || /no soundcards/i.test(readFileSync('/proc/asound/cards', 'utf8'));
}

describe.skipIf(!!skip)('ser devices / ser record through a PulseAudio loop', () => {
  let pulse: PulseServer;
  let speechWav: string;

  beforeAll(async () => {
    pulse = await startPulse();
    speechWav = join(pulse.dir, 'speech.wav');
    await synthSpeech('Hello world', speechWav);
  });
  afterAll(async () => {
    await pulse?.stop();
  });

  it('ser devices --json prints one array with the pulse device and exactly one default; human mode marks it with *', async () => {
    const r = await runSer(['devices', '--json'], { env: pulse.env });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const devices = JSON.parse(r.stdout) as Array<{ id: number; name: string; hostAPI: string; channels: number; defaultSampleRate: number; default: boolean }>;
    expect(devices.map((d) => d.name)).toContain('pulse');
    expect(devices.filter((d) => d.default)).toHaveLength(1);
    expect(Object.keys(devices[0]!).sort()).toEqual(['channels', 'default', 'defaultSampleRate', 'hostAPI', 'id', 'name']);
    const human = await runSer(['devices'], { env: pulse.env });
    expect(human.code).toBe(0);
    const def = devices.find((d) => d.default)!;
    expect(human.stdout).toMatch(new RegExp(`^\\*\\s+${def.id}\\s+${def.name}\\s+\\(ALSA, \\d+ ch, \\d+ Hz\\)$`, 'm'));
    expect(human.stderr).toBe(''); // ALSA/JACK probe noise stays inside the capture process
  });

  it('with no sound server and no sound card: devices is an empty list (exit 0), record fails clearly (exit 1)', async (ctx) => {
    if (!noSoundCards()) ctx.skip('this machine has ALSA sound cards, so "no input device at all" cannot be arranged');
    const env = { ...pulse.env, PULSE_SERVER: `unix:${join(pulse.dir, 'no-such-socket')}` };
    const json = await runSer(['devices', '--json'], { env });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([]);
    const human = await runSer(['devices'], { env });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^no audio input devices found/);
    const rec = await runSer(['record', '--seconds', '1', '--out', join(pulse.dir, 'none.wav')], { env });
    expect(rec.code).toBe(1);
    expect(rec.stderr.trim().split('\n')).toHaveLength(1);
    expect(rec.stderr).toMatch(/^ser: no audio input device found/);
    expect(existsSync(join(pulse.dir, 'none.wav'))).toBe(false);
  });

  it('usage mistakes exit 2; an unknown device or an unwritable folder exit 1 naming it', async () => {
    expect((await runSer(['record', '--seconds', '2'], { env: pulse.env })).code).toBe(2); // --out missing
    const bad = await runSer(['record', '--out', join(pulse.dir, 'x.wav'), '--seconds', 'soon'], { env: pulse.env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--seconds');
    const dev = await runSer(['record', '--out', join(pulse.dir, 'x.wav'), '--seconds', '1', '--device', '999'], { env: pulse.env });
    expect(dev.code).toBe(1);
    expect(dev.stderr).toMatch(/^ser: no input device with id 999/);
    const dir = await runSer(['record', '--out', join(pulse.dir, 'nope', 'x.wav'), '--seconds', '1'], { env: pulse.env });
    expect(dir.code).toBe(1);
    expect(dir.stderr).toMatch(/cannot write .*nope/);
  });

  it('ser record --seconds 2 --json writes a 48 kHz 16-bit mono WAV of 2 s that matches what was played', async () => {
    const out = join(pulse.dir, 'rec.wav');
    const ser = startSer(['record', '--seconds', '2', '--out', out, '--json'], pulse.env);
    await ser.stderrMatch(/^recording from /m);
    await pulse.play(speechWav);
    const r = await ser.done;
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as Record<string, number | string>;
    expect(Object.keys(summary).sort()).toEqual(['file', 'peak', 'rms', 'sampleRate', 'seconds']);
    expect(summary).toMatchObject({ file: out, seconds: 2, sampleRate: 48_000 });

    const bytes = new Uint8Array(await readFile(out));
    const info = readWavInfo(bytes, out);
    expect(info).toMatchObject({ formatTag: 1, channels: 1, sampleRate: 48_000, bitsPerSample: 16, frames: 96_000, truncated: false });
    const recorded = decodeWav(bytes, out).channels[0]!;
    let peak = 0;
    for (const v of recorded) peak = Math.max(peak, Math.abs(v));
    expect(Math.abs(peak - (summary.peak as number))).toBeLessThan(1e-3);
    expect(summary.rms as number).toBeGreaterThan(0.01);

    // The recording contains the played utterance itself, not just "some noise": waveform correlation.
    const played = decodeWav(new Uint8Array(await readFile(speechWav)), speechWav);
    const rs = await StreamResampler.create(played.sampleRate, 48_000);
    const ref = rs.process(played.channels[0]!);
    rs.destroy();
    const { corr } = bestCorrelation(recorded, ref, 48_000);
    expect(corr).toBeGreaterThan(0.8);
  });

  it('Ctrl-C (SIGINT to the whole process group) stops early and still writes the file', async () => {
    const out = join(pulse.dir, 'ctrl-c.wav');
    const ser = startSer(['record', '--out', out], pulse.env);
    await ser.stderrMatch(/^recording from .*Ctrl-C to stop/m);
    await sleep(2000);
    process.kill(-ser.pid, 'SIGINT');
    const r = await ser.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^saved \d+\.\d\d s to /);
    const info = readWavInfo(new Uint8Array(await readFile(out)), out);
    expect(info).toMatchObject({ channels: 1, sampleRate: 48_000, bitsPerSample: 16 });
    expect(info.frames).toBeGreaterThan(0.2 * 48_000);
  });

  // Keep last: kills this file's PulseAudio.
  it('killing the sound server mid-recording exits 1 within 2 s with a clear message, keeping the audio so far', async () => {
    const out = join(pulse.dir, 'unplugged.wav');
    const ser = startSer(['record', '--seconds', '30', '--out', out], pulse.env);
    await ser.stderrMatch(/^recording from /m);
    await sleep(2000);
    const killedAt = performance.now();
    await pulse.kill9();
    const r = await ser.done;
    expect(r.code).toBe(1);
    expect(r.exitedAt - killedAt).toBeLessThan(2000);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2); // "recording from …" and the one-line error
    expect(lines[1]).toMatch(/^ser: input device stopped delivering audio \(unplugged\?.*saved to /);
    const info = readWavInfo(new Uint8Array(await readFile(out)), out);
    expect(info).toMatchObject({ channels: 1, sampleRate: 48_000, bitsPerSample: 16 });
    expect(info.frames).toBeGreaterThan(0);
  });
});
