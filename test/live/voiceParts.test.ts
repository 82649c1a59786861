/**
 * The pure parts of "Tune to my voice": the session plan, the take quality checks (on synthetic signals whose
 * voiced length and clipping are known by construction, and on a real RAVDESS clip), the speaker read back from
 * take names, and the CLI's refusal of bad session options before any device is opened.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTake, TAKE_QUALITY_DEFAULTS } from '../../electron/engine/audio/takeQuality.js';
import { decodeWav, encodeWav16 } from '../../electron/engine/audio/wav.js';
import { parseTakeStem } from '../../electron/engine/dataset/formats.js';
import { scanDataset } from '../../electron/engine/dataset/scan.js';
import { defaultSpeaker, takePath, TAKE_NAME, voiceDir } from '../../electron/engine/live/recordings.js';
import { planSession, promptText, STATEMENTS } from '../../electron/engine/live/sessionPlan.js';
import { EMOTIONS } from '../../electron/shared/labels.js';
import { runSer, sharedDir } from '../helpers/ser.js';

const RATE = 48_000;

/** `seconds` of digital silence with a 200 Hz tone of `amp` over [from, to) s, plus optional white noise. */
function signal(seconds: number, amp: number, from: number, to: number, noise = 0, seed = 1): Float32Array {
  const x = new Float32Array(Math.round(seconds * RATE));
  let s = seed;
  for (let i = 0; i < x.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const n = noise ? noise * ((s / 2 ** 32) * 2 - 1) : 0;
    const t = i / RATE;
    x[i] = (t >= from && t < to ? amp * Math.sin(2 * Math.PI * 200 * t) : 0) + n;
  }
  return x;
}

describe('session plan', () => {
  it('8 emotions × N takes in label order, the two RAVDESS statements alternating within each emotion', () => {
    const plan = planSession();
    expect(plan).toHaveLength(32);
    expect(plan.map((p) => p.emotion)).toEqual(EMOTIONS.flatMap((e) => [e, e, e, e]));
    expect(plan.map((p) => p.statement)).toEqual(EMOTIONS.flatMap(() => [STATEMENTS[0], STATEMENTS[1], STATEMENTS[0], STATEMENTS[1]]));
    expect(plan.map((p) => p.index)).toEqual([...Array(32).keys()]);
    expect(plan[5]).toMatchObject({ emotion: 'calm', take: 2, takes: 4, statement: 'Dogs are sitting by the door' });
    expect(STATEMENTS).toEqual(['Kids are talking by the door', 'Dogs are sitting by the door']);
    expect(planSession(3)).toHaveLength(24);
    expect(planSession(1, ['sad'])).toEqual([{ index: 0, emotion: 'sad', take: 1, takes: 1, statement: STATEMENTS[0] }]);
    expect(promptText(plan[9]!)).toBe('happy, take 2 of 4: say “Dogs are sitting by the door”, sounding happy');
  });

  it('refuses a take count that is not a whole number from 1 to 50', () => {
    for (const n of [0, -1, 1.5, 51, Number.NaN]) expect(() => planSession(n), String(n)).toThrow(/takes per emotion must be an integer from 1 to 50/);
  });
});

describe('take quality', () => {
  it('measures the voiced length of a tone in silence to within a frame, and flags < 1 s as short', () => {
    for (const [from, to] of [[0.5, 2.0], [1.0, 1.6], [0.2, 3.3], [1.0, 1.95]] as const) {
      const q = checkTake(signal(3.5, 0.3, from, to), RATE);
      expect(Math.abs(q.voicedSeconds - (to - from)), `${from}–${to}`).toBeLessThanOrEqual(0.021);
      expect(q.flags.includes('short'), `${from}–${to}`).toBe(to - from < 1);
      expect(q.seconds).toBe(3.5);
    }
    expect(checkTake(signal(3.5, 0.3, 1, 1.6), RATE).reasons[0]).toMatch(/^short: only 0\.6 s of voice \(needs 1 s\)/);
  });

  it('finds no voice in silence or in noise alone, however loud; finds it over a noise floor', () => {
    expect(checkTake(new Float32Array(3 * RATE), RATE)).toMatchObject({ voicedSeconds: 0, flags: ['short'], peak: 0, rms: 0 });
    expect(checkTake(signal(3, 0, 0, 0, 0.3), RATE).voicedSeconds).toBeLessThan(0.1);
    const q = checkTake(signal(3.5, 0.3, 0.5, 2.5, 0.003), RATE); // tone 40 dB above the noise
    expect(q.voicedSeconds).toBeGreaterThan(1.95);
    expect(q.voicedSeconds).toBeLessThan(2.05);
    expect(q.flags).toEqual([]);
    // A tone below the absolute floor (−60 dBFS; this one is −69 dBFS RMS) is not voice; one above it is.
    expect(checkTake(signal(3, 0.0005, 0.5, 2.5), RATE).voicedSeconds).toBe(0);
    expect(checkTake(signal(3, 0.0025, 0.5, 2.5), RATE).voicedSeconds).toBeGreaterThan(1.95);
  });

  it('flags clipping from the 10th sample at ≥ 0.99 of full scale, not below', () => {
    const clean = signal(3, 0.98, 0.5, 2.5);
    expect(checkTake(clean, RATE)).toMatchObject({ clippedSamples: 0, flags: [] });
    const hard = signal(3, 3, 0.5, 2.5).map((v) => Math.max(-1, Math.min(1, v)));
    const q = checkTake(hard, RATE);
    expect(q.flags).toEqual(['clipped']);
    expect(q.clippedSamples).toBeGreaterThan(10_000);
    expect(q.reasons[0]).toMatch(/^clipped: \d+ samples at full scale \(≥ -0\.09 dBFS\)/);
    const few = signal(3, 0.5, 0.5, 2.5);
    for (let i = 0; i < 9; i++) few[RATE + i * 100] = 1;
    expect(checkTake(few, RATE).flags).toEqual([]);
    few[RATE + 5000] = -0.995;
    expect(checkTake(few, RATE)).toMatchObject({ clippedSamples: 10, flags: ['clipped'] });
    expect(TAKE_QUALITY_DEFAULTS).toMatchObject({ minVoiceSeconds: 1, clipLevel: 0.99, minClippedSamples: 10 });
  });

  it('thresholds are options, and bad ones are refused', () => {
    expect(checkTake(signal(3, 0.3, 1, 1.6), RATE, { minVoiceSeconds: 0.5 }).flags).toEqual([]);
    expect(() => checkTake(new Float32Array(10), 0)).toThrow(RangeError);
    expect(() => checkTake(new Float32Array(10), RATE, { clipLevel: 1.5 })).toThrow(/clipLevel/);
  });

  it.skipIf(!sharedDir)('no RAVDESS dev clip (240, quiet neutral and sad ones included) is flagged: each has 1–3 s of voice', () => {
    const root = join(sharedDir!, 'data', 'ravdess-dev');
    const voiced: number[] = [];
    for (const actor of readdirSync(root).filter((d) => d.startsWith('Actor_'))) {
      for (const f of readdirSync(join(root, actor)).filter((n) => n.endsWith('.wav'))) {
        const wav = decodeWav(readFileSync(join(root, actor, f)));
        const q = checkTake(wav.channels[0]!, wav.sampleRate);
        expect(q.flags, `${actor}/${f}: ${q.reasons.join('; ')}`).toEqual([]);
        voiced.push(q.voicedSeconds);
      }
    }
    expect(voiced).toHaveLength(240);
    expect(Math.min(...voiced)).toBeGreaterThan(1);
    expect(Math.max(...voiced)).toBeLessThan(3);
  });
});

describe('the session dataset', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vox-voice-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes are named <timestamp>_<speaker>.wav, and the scanner reads the speaker back (other names: none)', async () => {
    const d = new Date(2026, 0, 2, 3, 4, 5, 6);
    expect(voiceDir('/data', 'ana')).toBe('/data/recordings/voice-ana');
    expect(takePath('/x', 'sad', { speaker: 'ana', date: d })).toBe('/x/sad/20260102-030405-006_ana.wav');
    expect(TAKE_NAME.test('20260102-030405-006_ana.wav')).toBe(true);
    expect(TAKE_NAME.test('../20260102-030405-006_ana.wav')).toBe(false);
    expect(parseTakeStem('20260102-030405-006_ana-b_2')).toEqual({ speaker: 'ana-b_2' });
    expect(parseTakeStem('20260102-030405-006')).toEqual({});
    expect(parseTakeStem('happy-2026')).toBeUndefined();
    expect(defaultSpeaker()).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/);

    const root = voiceDir(dir, 'ana');
    const tone = encodeWav16(signal(3, 0.2, 0.2, 2.8), RATE);
    const files = [
      takePath(root, 'angry', { speaker: 'ana', date: d }),
      takePath(root, 'happy', { speaker: 'ana', date: d }),
      takePath(root, 'happy', { speaker: 'bo', date: new Date(2026, 0, 3) }),
      join(root, 'sad', 'my clip.wav'),
    ];
    for (const f of files) {
      await mkdir(dirname(f), { recursive: true });
      await writeFile(f, tone);
    }
    const { summary } = await scanDataset(root);
    expect(summary).toMatchObject({ format: 'folders', usable: 4, bySpeaker: { ana: 2, bo: 1, unknown: 1 } });
    // "my recordings" (the parent) sees the session's takes too, with their labels.
    const all = await scanDataset(join(dir, 'recordings'));
    expect(all.summary.byEmotion).toMatchObject({ angry: 1, happy: 2, sad: 1 });
  });

  it('ser record --session refuses bad options with one line and exit 2, before opening a device', async () => {
    const env = { SER_DATA_DIR: dir };
    const cases: Array<[string[], RegExp]> = [
      [['--session', '--takes', '0'], /--takes must be ≥ 1/],
      [['--session', '--takes', '51'], /--takes must be ≤ 50/],
      [['--session', '--seconds', '0.5'], /--seconds must be ≥ 1/],
      [['--session', '--speaker', 'a/b'], /--speaker: .*letters, digits/],
      [['--prompts', '--label', 'sad'], /leave out --out and --label/],
      [['--label', 'sad', '--takes', '3'], /--takes goes with --session/],
    ];
    const results = await Promise.all(cases.map(([args]) => runSer(['record', ...args], { env })));
    results.forEach((r, i) => {
      expect(r.code, cases[i]![0].join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(cases[i]![1]);
    });
  });
});
