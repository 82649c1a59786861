/** Live path pieces that need no audio device: the silence gate, smoothing, "my recordings" naming and scanning. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav16 } from '../../electron/engine/audio/wav.js';
import { NAME_PARSERS } from '../../electron/engine/dataset/formats.js';
import { scanDataset } from '../../electron/engine/dataset/scan.js';
import { DEFAULT_GATE, gateWindow, toDbfs } from '../../electron/engine/live/gate.js';
import { checkSpeaker, recordingPath, timestampStem } from '../../electron/engine/live/recordings.js';
import { argmax, ProbabilitySmoother } from '../../electron/engine/live/smoothing.js';
import { runSer } from '../helpers/ser.js';

const RATE = 48_000;

/** 3 s at 48 kHz: a 220 Hz tone of `amp` during [from, to) seconds, digital silence elsewhere. */
function window(amp: number, from: number, to: number): Float32Array {
  const x = new Float32Array(3 * RATE);
  for (let i = Math.round(from * RATE); i < Math.round(to * RATE); i++) x[i] = amp * Math.sin((2 * Math.PI * 220 * i) / RATE);
  return x;
}

describe('silence gate', () => {
  it('digital silence is silent, with rms 0 and −∞ dBFS', () => {
    expect(gateWindow(new Float32Array(3 * RATE), RATE)).toEqual({ rms: 0, dbfs: -Infinity, voicedFraction: 0, voiced: false });
  });

  it('a loud tone over the whole window is voiced; its RMS is amp/√2', () => {
    const g = gateWindow(window(0.1, 0, 3), RATE);
    expect(g.voiced).toBe(true);
    expect(g.voicedFraction).toBe(1);
    expect(g.rms).toBeCloseTo(0.1 / Math.SQRT2, 4);
    expect(g.dbfs).toBeCloseTo(toDbfs(0.1 / Math.SQRT2), 6);
  });

  it('needs the minimum voiced fraction: 0.2 s of speech-level sound in 3 s is silence, 0.6 s is voiced (default 10 %)', () => {
    expect(gateWindow(window(0.1, 1, 1.2), RATE).voiced).toBe(false);
    const g = gateWindow(window(0.1, 1, 1.6), RATE);
    expect(g.voiced).toBe(true);
    expect(g.voicedFraction).toBeCloseTo(0.2, 2);
  });

  it('the level threshold is in dBFS per 20 ms frame: a −60 dBFS hum is silence by default, voiced at −70', () => {
    const hum = window(10 ** (-60 / 20) * Math.SQRT2, 0, 3); // RMS −60 dBFS
    expect(gateWindow(hum, RATE).voiced).toBe(false);
    expect(gateWindow(hum, RATE, { ...DEFAULT_GATE, thresholdDbfs: -70 }).voiced).toBe(true);
  });
});

describe('probability smoothing', () => {
  const a = [1, 0, 0, 0, 0, 0, 0, 0];
  const b = [0, 1, 0, 0, 0, 0, 0, 0];

  it('mean over the last N windows', () => {
    const s = new ProbabilitySmoother({ method: 'mean', windows: 2 });
    expect(s.push(a)).toEqual(a);
    expect(s.push(b)).toEqual([0.5, 0.5, 0, 0, 0, 0, 0, 0]);
    expect(s.push(b)).toEqual(b); // a has left the 2-window history
  });

  it('exponential moving average', () => {
    const s = new ProbabilitySmoother({ method: 'ema', alpha: 0.25 });
    s.push(a);
    expect(s.push(b)).toEqual([0.75, 0.25, 0, 0, 0, 0, 0, 0]);
  });

  it('reset (a silent window) forgets the history; none passes through', () => {
    const s = new ProbabilitySmoother({ method: 'mean', windows: 5 });
    s.push(a);
    s.reset();
    expect(s.push(b)).toEqual(b);
    expect(new ProbabilitySmoother({ method: 'none' }).push(b)).toEqual(b);
    expect(argmax([0.1, 0.3, 0.3, 0.2])).toBe(1);
  });

  it('rejects bad settings', () => {
    expect(() => new ProbabilitySmoother({ method: 'mean', windows: 0 })).toThrow(RangeError);
    expect(() => new ProbabilitySmoother({ method: 'ema', alpha: 1.5 })).toThrow(RangeError);
  });
});

describe('"my recordings" dataset', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vox-recordings-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names files <dataDir>/recordings/<emotion>/<timestamp>[_speaker].wav, never matching a corpus naming convention', () => {
    const d = new Date(2026, 0, 2, 3, 4, 5, 6);
    expect(timestampStem(d)).toBe('20260102-030405-006');
    expect(recordingPath('/data', 'angry', { date: d })).toBe('/data/recordings/angry/20260102-030405-006.wav');
    expect(recordingPath('/data', 'sad', { date: d, speaker: 'Ana_2' })).toBe('/data/recordings/sad/20260102-030405-006_Ana_2.wav');
    for (const stem of ['20260102-030405-006', '20260102-030405-006_DC', '20260102-030405-006_OAF_x']) {
      for (const parse of Object.values(NAME_PARSERS)) expect(parse(stem)).toBeUndefined();
    }
    expect(() => checkSpeaker('../etc')).toThrow(/letters, digits/);
    expect(() => checkSpeaker('')).toThrow();
  });

  it('ser dataset scan reads the recordings as a folder-per-label dataset', async () => {
    const root = join(dir, 'recordings');
    const tone = encodeWav16(window(0.2, 0.2, 2.8), RATE);
    const paths = [recordingPath(dir, 'angry', { speaker: 'me' }), recordingPath(dir, 'happy', { date: new Date(2026, 1, 1) }), recordingPath(dir, 'happy', { date: new Date(2026, 1, 2) })];
    for (const p of paths) {
      await mkdir(dirname(p), { recursive: true });
      await writeFile(p, tone);
    }
    const { summary, files } = await scanDataset(root);
    expect(summary.format).toBe('folders');
    expect(summary.usable).toBe(3);
    expect(summary.byEmotion).toMatchObject({ angry: 1, happy: 2, sad: 0 });
    expect(Object.fromEntries(files.map((f) => [basename(f.path), f.emotion]))).toEqual(Object.fromEntries(paths.map((p) => [basename(p), basename(dirname(p))])));
    for (const f of files) expect(f).toMatchObject({ sampleRate: 48_000, channels: 1, durationSec: 3 });
  });

  it('ser record --label checks its options before touching the device', async () => {
    const env = { SER_DATA_DIR: dir };
    const [both, neither, bad, speakerAlone, badSpeaker] = await Promise.all([
      runSer(['record', '--out', join(dir, 'x.wav'), '--label', 'happy'], { env }),
      runSer(['record', '--seconds', '1'], { env }),
      runSer(['record', '--label', 'joy'], { env }),
      runSer(['record', '--out', join(dir, 'x.wav'), '--speaker', 'me'], { env }),
      runSer(['record', '--label', 'sad', '--speaker', 'a/b'], { env }),
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/either --out .* or --label/);
    expect(neither.code).toBe(2);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--label must be one of neutral, calm, happy, sad, angry, fearful, disgust, surprised; got 'joy'/);
    expect(speakerAlone.code).toBe(2);
    expect(badSpeaker.code).toBe(2);
    expect(badSpeaker.stderr).toMatch(/--speaker: .*letters, digits/);
  });
});
