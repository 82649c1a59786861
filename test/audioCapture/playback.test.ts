/**
 * Replay on the default output device (the `p` key of `ser record --session`), through a private PulseAudio: its
 * null sink `vmic` is the only (so the default) output, and its monitor is the default input, so what the playback
 * process plays is what a capture hears. No sound server and no card: no output device, said in words.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCapture } from '../../native/audio/capture.js';
import { defaultOutputName, playSamples } from '../../native/audio/playback.js';
import { pulseSkipReason, startPulse, type PulseServer } from '../helpers/pulse.js';

const RATE = 48_000;
if (pulseSkipReason) console.warn(`playback tests skipped: ${pulseSkipReason}`);

describe.skipIf(!!pulseSkipReason)('playback through a PulseAudio loop', () => {
  let pulse: PulseServer;
  beforeAll(async () => {
    pulse = await startPulse();
  });
  afterAll(async () => {
    await pulse?.stop();
  });

  it('finds the default output device', async () => {
    expect(await defaultOutputName({ env: pulse.env })).toMatch(/\S/);
  });

  it('plays a 1 s 440 Hz tone that the capture of the sink monitor hears, at its pitch and level', async () => {
    const tone = new Float32Array(RATE).map((_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / RATE));
    const capture = await startCapture({ env: pulse.env });
    const heard: Float32Array[] = [];
    capture.onBlock((b) => heard.push(b.samples.slice()));
    // As a person would: play once the microphone is live. 'started' only means the device opened; on a loaded
    // machine the first blocks can come a second later, and a tone played before then is never heard.
    for (let waited = 0; waited < 5000 && heard.length < 5; waited += 20) await new Promise((r) => setTimeout(r, 20));
    expect(heard.length, 'the capture delivers blocks within 5 s').toBeGreaterThanOrEqual(5);
    const t0 = performance.now();
    const device = await playSamples(tone, RATE, { env: pulse.env });
    const took = performance.now() - t0;
    // Blocks reach us through the capture process: on a loaded machine they lag the playback by more than a fixed
    // pause, so wait (up to 3 s) until the tone has arrived and then 0.3 s for its tail.
    const loud = () => heard.some((h) => h.some((v) => Math.abs(v) > 0.2));
    for (let waited = 0; waited < 3000 && !loud(); waited += 100) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
    await capture.stop();
    expect(device).toMatch(/\S/);
    expect(took).toBeGreaterThan(900); // resolves once played, not once queued
    const all = new Float32Array(heard.reduce((n, h) => n + h.length, 0));
    let o = 0;
    for (const h of heard) (all.set(h, o), (o += h.length));
    // The loudest 0.5 s: RMS of a 0.3 sine is 0.212; its zero crossings give the pitch.
    const win = RATE / 2;
    let best = 0;
    let bestAt = 0;
    for (let s = 0; s + win <= all.length; s += RATE / 20) {
      let e = 0;
      for (let i = s; i < s + win; i++) e += all[i]! * all[i]!;
      if (e > best) [best, bestAt] = [e, s];
    }
    expect(Math.sqrt(best / win)).toBeGreaterThan(0.15);
    let crossings = 0;
    for (let i = bestAt + 1; i < bestAt + win; i++) if ((all[i - 1]! < 0) !== (all[i]! < 0)) crossings++;
    expect(crossings / 2 / 0.5).toBeGreaterThan(430);
    expect(crossings / 2 / 0.5).toBeLessThan(450);
  });

  it('with no sound server and no sound card: no output device, and playing says so in one line', async (ctx) => {
    if (existsSync('/proc/asound/cards') && !/no soundcards/i.test(readFileSync('/proc/asound/cards', 'utf8'))) ctx.skip('this machine has ALSA sound cards');
    const env = { ...pulse.env, PULSE_SERVER: `unix:${join(pulse.dir, 'no-such-socket')}` };
    expect(await defaultOutputName({ env })).toBeNull();
    await expect(playSamples(new Float32Array(4800), RATE, { env })).rejects.toThrow(/^no audio output device: connect speakers or headphones/);
  });
});
