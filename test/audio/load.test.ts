import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadClip } from '../../electron/engine/audio/load.js';
import { resample } from '../../electron/engine/audio/resample.js';
import { hasSox } from '../helpers/sox.js';
import { quantize, sine, writeWav } from '../helpers/wavWriter.js';

const dir = mkdtempSync(join(tmpdir(), 'ser-load-'));
function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** Frequency (Hz) of the strongest DFT bin of x between 50 Hz and sr/2, by direct DFT on a coarse grid + refinement. */
function peakHz(x: Float32Array, sr: number): number {
  const n = Math.min(x.length, 8192);
  let best = 0;
  let bestF = 0;
  for (let f = 50; f < sr / 2; f += 5) {
    let re = 0;
    let im = 0;
    for (let i = 0; i < n; i++) {
      const a = (2 * Math.PI * f * i) / sr;
      re += x[i]! * Math.cos(a);
      im -= x[i]! * Math.sin(a);
    }
    const p = re * re + im * im;
    if (p > best) { best = p; bestF = f; }
  }
  return bestF;
}

describe('loadClip (librosa.load + zero padding)', () => {
  it('pads a short 48 kHz file to exactly 3 s after the 0.5 s offset', async () => {
    const x = sine(440, 48000, 1.2, 0.5);
    const clip = await loadClip(file('short.wav', writeWav({ sampleRate: 48000, channels: [x], encoding: 'pcm16' })), { offset: 0.5, duration: 3 });
    expect(clip.samples.length).toBe(144000);
    expect(clip.validSamples).toBe(Math.round(0.7 * 48000));
    expect(clip.samples[0]).toBeCloseTo(quantize(x[24000]!, 'pcm16'), 7);
    expect(clip.samples[clip.validSamples]).toBe(0);
    expect(clip.samples[143999]).toBe(0);
  });

  it('cuts a long file to 3 s starting at the offset', async () => {
    const x = sine(440, 48000, 5, 0.5);
    const clip = await loadClip(file('long.wav', writeWav({ sampleRate: 48000, channels: [x], encoding: 'pcm24' })));
    expect(clip.samples.length).toBe(x.length); // no duration: the whole file
    const c3 = await loadClip(join(dir, 'long.wav'), { offset: 0.5, duration: 3 });
    expect(c3.samples.length).toBe(144000);
    expect(c3.validSamples).toBe(144000);
    expect(c3.samples[143999]).toBeCloseTo(quantize(x[24000 + 143999]!, 'pcm24'), 6);
    expect(c3.fileSeconds).toBeCloseTo(5, 6);
  });

  for (const sr of [22050, 44100, 16000, 8000]) {
    it(`resamples ${sr} Hz to 48 kHz keeping pitch and length`, async () => {
      const f0 = 1000;
      const x = sine(f0, sr, 4, 0.5);
      const clip = await loadClip(file(`r${sr}.wav`, writeWav({ sampleRate: sr, channels: [x, x], encoding: 'pcm16' })), { offset: 0.5, duration: 3 });
      expect(clip.nativeSampleRate).toBe(sr);
      expect(clip.nativeChannels).toBe(2);
      expect(clip.samples.length).toBe(144000);
      expect(clip.validSamples).toBe(144000);
      expect(Math.abs(peakHz(clip.samples.subarray(10000), 48000) - f0)).toBeLessThanOrEqual(5);
      // Amplitude kept (passband gain ≈ 1).
      let peak = 0;
      for (let i = 20000; i < 120000; i++) peak = Math.max(peak, Math.abs(clip.samples[i]!));
      expect(peak).toBeGreaterThan(0.49);
      expect(peak).toBeLessThan(0.51);
    });
  }

  it('resample returns ceil(n·to/from) samples and leaves same-rate input alone', async () => {
    const x = new Float32Array(66150).fill(0.1);
    expect((await resample(x, 22050, 48000)).length).toBe(144000);
    expect(await resample(x, 48000, 48000)).toBe(x);
  });

  it('gives an all-zero clip when the offset is past the end', async () => {
    const clip = await loadClip(file('tiny.wav', writeWav({ sampleRate: 48000, channels: [sine(200, 48000, 0.2)], encoding: 'pcm16' })), { offset: 0.5, duration: 3 });
    expect(clip.validSamples).toBe(0);
    expect(clip.samples.every((v) => v === 0)).toBe(true);
  });

  it('names the file for missing, unreadable and directory paths', async () => {
    await expect(loadClip(join(dir, 'nope.wav'))).rejects.toThrow(/nope\.wav: no such file/);
    await expect(loadClip(dir)).rejects.toThrow(/is a directory/);
    if (process.getuid?.() !== 0) {
      const p = file('locked.wav', writeWav({ sampleRate: 8000, channels: [sine(100, 8000, 0.1)], encoding: 'pcm16' }));
      chmodSync(p, 0);
      await expect(loadClip(p)).rejects.toThrow(/locked\.wav: permission denied/);
    }
  });

  it('rejects NaN samples in float WAVs', async () => {
    const x = sine(100, 8000, 0.1);
    x[10] = NaN;
    await expect(loadClip(file('nan.wav', writeWav({ sampleRate: 8000, channels: [x], encoding: 'float32' })))).rejects.toThrow(/nan\.wav: non-finite or overflowing samples \(NaN at /);
  });

  describe('compressed formats (through sox-made files)', () => {
    const src = sine(600, 44100, 2, 0.4);
    const wavPath = file('src.wav', writeWav({ sampleRate: 44100, channels: [src], encoding: 'pcm16' }));
    for (const [ext, fmt] of [['flac', 'flac'], ['mp3', 'mp3'], ['ogg', 'vorbis']] as const) {
      const available = hasSox(ext === 'ogg' ? 'ogg' : ext);
      (available ? it : it.skip)(`decodes ${ext.toUpperCase()} (${fmt})`, async () => {
        const out = join(dir, `src.${ext}`);
        execFileSync('sox', [wavPath, out]);
        const clip = await loadClip(out, { offset: 0, duration: 3 });
        expect(clip.nativeSampleRate).toBe(44100);
        expect(clip.fileSeconds).toBeGreaterThan(1.9);
        expect(clip.fileSeconds).toBeLessThan(2.2);
        expect(Math.abs(peakHz(clip.samples.subarray(20000), 48000) - 600)).toBeLessThanOrEqual(5);
        if (ext === 'flac') {
          // Lossless: the native-rate samples are the WAV's.
          const raw = await loadClip(out, { sampleRate: 44100 });
          for (let i = 0; i < src.length; i += 101) expect(raw.samples[i]).toBeCloseTo(quantize(src[i]!, 'pcm16'), 7);
        }
      });
      if (!available) console.warn(`${ext} decoding test skipped: sox cannot write ${ext} here (CI installs sox + libsox-fmt-all)`);
    }

    it('reports a corrupt FLAC by name', async () => {
      const bad = new Uint8Array(2000);
      bad.set([0x66, 0x4c, 0x61, 0x43]);
      await expect(loadClip(file('bad.flac', bad))).rejects.toThrow(/bad\.flac: /);
    });
  });

  it('decodes the same bytes the same way (determinism)', async () => {
    const p = file('det.wav', writeWav({ sampleRate: 22050, channels: [sine(330, 22050, 3.6)], encoding: 'pcm16' }));
    const a = await loadClip(p, { offset: 0.5, duration: 3 });
    const b = await loadClip(p, { offset: 0.5, duration: 3 });
    expect(Buffer.compare(Buffer.from(a.samples.buffer), Buffer.from(b.samples.buffer))).toBe(0);
    expect(readFileSync(p).length).toBeGreaterThan(0);
  });
});
