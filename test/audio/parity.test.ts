/** Parity with librosa 0.11 on the golden fixtures in ../shared/fixtures/librosa (SER_SHARED). */
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { melFilterbank } from '../../electron/engine/audio/melFilterbank.js';
import { MelSpectrogram } from '../../electron/engine/audio/melSpectrogram.js';
import { decodeWav } from '../../electron/engine/audio/wav.js';
import { runSer, sharedDir, sharedSkipReason } from '../helpers/ser.js';
import { writeWav } from '../helpers/wavWriter.js';

const fx = sharedDir ? join(sharedDir, 'fixtures', 'librosa') : '';
const d = sharedDir ? describe : describe.skip;
if (!sharedDir) console.warn(`librosa parity tests skipped: ${sharedSkipReason}`);

interface Fixture { S_db: number[][] }
const loadFixture = (name: string) => JSON.parse(readFileSync(join(fx, name), 'utf8')) as Fixture;

/** Largest |ours − librosa| over cells where librosa is above −79 dB (the floor is −80). */
function maxDiff(ours: number[][] | Float32Array, ref: number[][], nFrames: number): { diff: number; cells: number } {
  let diff = 0;
  let cells = 0;
  for (let m = 0; m < ref.length; m++) {
    for (let t = 0; t < nFrames; t++) {
      const r = ref[m]![t]!;
      if (r <= -79) continue;
      const o = Array.isArray(ours) ? ours[m]![t]! : (ours as Float32Array)[m * nFrames + t]!;
      diff = Math.max(diff, Math.abs(o - r));
      cells++;
    }
  }
  return { diff, cells };
}

d('librosa parity', () => {
  it('mel filterbank equals librosa.filters.mel to 1e-6', () => {
    const ref = JSON.parse(readFileSync(join(fx, 'mel_filterbank.json'), 'utf8')) as {
      all_nonzero_sparse: { rows: number[]; cols: number[]; values: number[]; count: number };
      row_sums: number[];
    };
    const fb = melFilterbank({ sampleRate: 48000, nFft: 1024, nMels: 128, fmax: 24000 });
    const dense = new Float64Array(128 * 513);
    let nonzero = 0;
    for (let m = 0; m < 128; m++) fb.weights[m]!.forEach((w, j) => { dense[m * 513 + fb.start[m]! + j] = w; if (w !== 0) nonzero++; });
    expect(nonzero).toBe(ref.all_nonzero_sparse.count);
    const { rows, cols, values } = ref.all_nonzero_sparse;
    let worst = 0;
    for (let i = 0; i < rows.length; i++) worst = Math.max(worst, Math.abs(dense[rows[i]! * 513 + cols[i]!]! - values[i]!));
    expect(worst).toBeLessThan(1e-6);
    for (let m = 0; m < 128; m++) {
      let s = 0;
      for (let k = 0; k < 513; k++) s += dense[m * 513 + k]!;
      expect(Math.abs(s - ref.row_sums[m]!)).toBeLessThan(1e-6);
    }
  });

  it('`ser features speech_48k.wav --json` is within 0.05 dB of librosa', async () => {
    const ref = loadFixture('fixture_speech.json');
    const r = await runSer(['features', join(fx, 'speech_48k.wav'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { sampleRate: number; samples: number; shape: number[]; melDb: number[][] };
    expect(out.sampleRate).toBe(48000);
    expect(out.samples).toBe(144000);
    expect(out.shape).toEqual([128, 563]);
    expect(out.melDb).toHaveLength(128);
    expect(out.melDb[0]).toHaveLength(563);
    const { diff, cells } = maxDiff(out.melDb, ref.S_db, 563);
    expect(cells).toBeGreaterThan(10000);
    expect(diff).toBeLessThanOrEqual(0.05);
  });

  it('the synthetic signal (float32 WAV, --offset 0) is within 0.05 dB of librosa', async () => {
    const ref = loadFixture('fixture_synth.json');
    const y = new Float64Array(144000);
    for (let n = 0; n < 144000; n++) {
      const t = n / 48000;
      y[n] = 0.3 * Math.sin(2 * Math.PI * 220 * t) + 0.2 * Math.sin(2 * Math.PI * 1000 * t) + 0.1 * Math.sin(2 * Math.PI * 5000 * t) +
        0.1 * Math.sin(2 * Math.PI * (100 * t + ((8000 - 100) / (2 * 3.0)) * t ** 2));
    }
    const dir = mkdtempSync(join(tmpdir(), 'ser-synth-'));
    const file = join(dir, 'synth.wav');
    writeFileSync(file, writeWav({ sampleRate: 48000, channels: [y], encoding: 'float32' }));
    const r = await runSer(['features', file, '--offset', '0', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { melDb: number[][] };
    const { diff, cells } = maxDiff(out.melDb, ref.S_db, 563);
    expect(cells).toBeGreaterThan(30000);
    expect(diff).toBeLessThanOrEqual(0.05);
  });

  it("matches librosa < 0.9's pad_mode='reflect' too", () => {
    const ref = loadFixture('fixture_speech_reflect.json');
    const y = decodeWav(readFileSync(join(fx, 'speech_input_48k_3s.wav')), 'speech_input_48k_3s.wav').channels[0]!;
    const S = new MelSpectrogram({ padMode: 'reflect' }).compute(y);
    expect(maxDiff(S, ref.S_db, 563).diff).toBeLessThanOrEqual(0.05);
  });

  it('decodes the exact samples librosa fed to melspectrogram', () => {
    const y = decodeWav(readFileSync(join(fx, 'speech_input_48k_3s.wav')), 'x').channels[0]!;
    expect(y.length).toBe(144000);
    expect(y[0]).toBeCloseTo(0.153076172, 8);
    expect(y[12345]).toBeCloseTo(-0.216705322, 8);
    let sum = 0;
    for (const v of y) sum += v;
    expect(sum).toBeCloseTo(22.31103515625, 6);
  });
});
