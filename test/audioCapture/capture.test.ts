/**
 * Real audio path, no mocks: a private PulseAudio null sink `vmic` whose monitor is the default source; audio
 * played into it with paplay is captured by naudiodon (PortAudio → ALSA → pulse plugin) in the capture process.
 * The last test kills this file's PulseAudio server, so it must stay last.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav16 } from '../../electron/engine/audio/wav.js';
import { listInputDevices, startCapture, type AudioBlock, type CaptureSession } from '../../native/audio/capture.js';
import { espeakSkipReason, pulseSkipReason, startPulse, synthSpeech, type PulseServer } from '../helpers/pulse.js';
import { peakFrequency, rms, sine } from './signals.js';

const skip = pulseSkipReason ?? espeakSkipReason;
if (skip) console.warn(`real-audio capture tests skipped: ${skip}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start-up (fork, open, first period) takes 0.4–1.2 s on a quiet machine and more on a loaded CI box: wait for it. */
async function firstBlocks(blocks: unknown[], n = 1, timeoutMs = 15_000): Promise<void> {
  const t0 = performance.now();
  while (blocks.length < n) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`no audio block within ${timeoutMs} ms of starting the capture`);
    await sleep(20);
  }
}

/** Collects every block with its receive time, relative to `t0` (ms). */
function collect(session: CaptureSession): Array<AudioBlock & { rms: number }> {
  const blocks: Array<AudioBlock & { rms: number }> = [];
  session.onBlock((b) => blocks.push({ ...b, rms: rms(b.samples) }));
  return blocks;
}

describe.skipIf(!!skip)('microphone capture through a PulseAudio loop (naudiodon, real audio)', () => {
  let pulse: PulseServer;
  let speechWav: string;
  let toneWav: string;

  beforeAll(async () => {
    pulse = await startPulse();
    speechWav = join(pulse.dir, 'speech.wav');
    await synthSpeech('Testing one two three', speechWav);
    toneWav = join(pulse.dir, 'tone3k.wav');
    await writeFile(toneWav, encodeWav16(sine(3000, 2.5, 44_100, 0.4), 44_100));
  });
  afterAll(async () => {
    await pulse?.stop();
  });

  it('lists the PulseAudio-backed ALSA devices with id, name, host API, channels, native rate, and one default', async () => {
    const devices = await listInputDevices({ env: pulse.env });
    const names = devices.map((d) => d.name);
    expect(names).toContain('pulse');
    expect(devices.filter((d) => d.default)).toHaveLength(1);
    for (const d of devices) {
      expect(d).toEqual({ id: expect.any(Number), name: expect.any(String), hostAPI: 'ALSA', channels: expect.any(Number), defaultSampleRate: expect.any(Number), default: expect.any(Boolean) });
      expect(d.channels).toBeGreaterThan(0);
      expect(d.defaultSampleRate).toBeGreaterThanOrEqual(8000);
    }
  });

  it('captures speech played into the loop: voiced blocks while it plays, digital silence before and after', async () => {
    const session = await startCapture({ env: pulse.env });
    const blocks = collect(session);
    await firstBlocks(blocks);
    await sleep(600); // ≥ 5 blocks of silence before playing
    const playStart = performance.timeOrigin + performance.now();
    await pulse.play(speechWav);
    const playEnd = performance.timeOrigin + performance.now();
    await sleep(800);
    const end = await session.stop();
    expect(end.reason).toBe('stopped');
    expect(end.frames).toBe(blocks.reduce((n, b) => n + b.samples.length, 0));
    // Blocks are contiguous in the 48 kHz frame index.
    blocks.forEach((b, i) => i > 0 && expect(b.frame).toBe(blocks[i - 1]!.frame + blocks[i - 1]!.samples.length));

    const before = blocks.filter((b) => b.deliveredAtMs < playStart - 100 && b.frame > 0);
    const during = blocks.filter((b) => b.deliveredAtMs > playStart + 200 && b.deliveredAtMs < playEnd);
    const after = blocks.filter((b) => b.deliveredAtMs > playEnd + 500);
    expect(before.length).toBeGreaterThan(5);
    expect(during.length).toBeGreaterThan(20);
    expect(after.length).toBeGreaterThan(5);
    expect(Math.max(...before.map((b) => b.rms))).toBeLessThan(1e-3);
    expect(Math.max(...after.map((b) => b.rms))).toBeLessThan(1e-3);
    const voiced = during.filter((b) => b.rms > 0.02).length;
    expect(voiced / during.length).toBeGreaterThan(0.4);
    expect(Math.max(...during.map((b) => b.rms))).toBeGreaterThan(0.05);
    // The ring buffer holds the same audio the subscribers saw.
    const last = blocks[blocks.length - 1]!;
    expect(Array.from(session.ring.read(last.frame, last.samples.length)!)).toEqual(Array.from(last.samples));
  });

  it('delivers 48 kHz: a 3 kHz tone played at 44.1 kHz lands at 3 kHz, and frames keep pace with the wall clock', async () => {
    const session = await startCapture({ env: pulse.env, blockMs: 20 });
    const blocks = collect(session);
    await firstBlocks(blocks);
    await sleep(600);
    await pulse.play(toneWav);
    await session.stop();
    // Rate: frames between two blocks ≥ 1.5 s apart, after the start-up burst, over their receive-time gap.
    const steady = blocks.filter((b) => b.deliveredAtMs > blocks[0]!.deliveredAtMs + 600);
    const a = steady[0]!;
    const z = steady[steady.length - 1]!;
    expect(z.deliveredAtMs - a.deliveredAtMs).toBeGreaterThan(1500);
    const rate = (z.frame - a.frame) / ((z.deliveredAtMs - a.deliveredAtMs) / 1000);
    expect(Math.abs(rate - 48_000) / 48_000).toBeLessThan(0.05); // 44.1 kHz mislabelled would be 8 % off
    // Frequency: the loudest 1 s of the capture.
    const all = session.ring.read(session.ring.oldest, session.ring.written - session.ring.oldest)!;
    let bestStart = 0;
    let bestRms = 0;
    for (let s = 0; s + 48_000 <= all.length; s += 4800) {
      const r = rms(all.subarray(s, s + 48_000));
      if (r > bestRms) [bestRms, bestStart] = [r, s];
    }
    expect(bestRms).toBeGreaterThan(0.2); // 0.4 amplitude sine ≈ 0.28 RMS
    expect(Math.abs(peakFrequency(all.subarray(bestStart, bestStart + 48_000), 48_000, 2700, 3300) - 3000)).toBeLessThanOrEqual(2);
  });

  it('rejects an unknown device id with a message naming it, before any audio', async () => {
    await expect(startCapture({ env: pulse.env, deviceId: 999 })).rejects.toThrow(/no input device with id 999.*ser devices/);
  });

  // Keep last: kills this file's PulseAudio.
  it('ends with "stopped delivering audio" within 2 s when the sound server dies mid-capture (unplug)', async () => {
    const session = await startCapture({ env: pulse.env });
    const blocks = collect(session);
    await firstBlocks(blocks, 10);
    const killedAt = performance.now();
    await pulse.kill9();
    const end = await session.ended;
    const ms = performance.now() - killedAt;
    expect(end.reason).toBe('error');
    expect(end.error?.message).toMatch(/stopped delivering audio \(unplugged/);
    expect(ms).toBeLessThan(2000);
    // The session is over for good: stop() is a no-op returning the same end.
    expect(await session.stop()).toBe(end);
  });
});
