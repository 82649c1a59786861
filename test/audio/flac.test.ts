/**
 * FLAC's declared length: STREAMINFO read from the first bytes; every sample decoded, a very short last frame
 * included (codec-parser alone drops it); and a FLAC cut short found by the probe a dataset scan runs (a damaged copy
 * is listed as a problem, not trained on as if whole). Real files made by sox.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeAudio } from '../../electron/engine/audio/decode.js';
import { flacStreamInfo, flacTruncated, isId3v1 } from '../../electron/engine/audio/flac.js';
import { loadClip } from '../../electron/engine/audio/load.js';
import { scanDataset } from '../../electron/engine/dataset/scan.js';
import { hasSox } from '../helpers/sox.js';
import { put, ravdessTree } from '../helpers/trees.js';
import { quantize, sine, writeWav } from '../helpers/wavWriter.js';

/** `fLaC` + a STREAMINFO block header + its 34 bytes, with the given largest block and total samples. */
function head(maxBlock: number, total: number, blockType = 0): Uint8Array {
  const b = new Uint8Array(4 + 4 + 34);
  b.set([0x66, 0x4c, 0x61, 0x43, 0x80 | blockType, 0, 0, 34]);
  const s = 8;
  b[s] = 0x10; // min block 4096
  b[s + 2] = maxBlock >> 8;
  b[s + 3] = maxBlock & 0xff;
  b[s + 10] = 0x0b; // 48 kHz, mono, 16-bit: bits the reader skips
  b[s + 11] = 0xb8;
  b[s + 12] = 0x00;
  b[s + 13] = 0xf0 | Math.floor(total / 2 ** 32); // bits per sample's low bit set, then the length's top 4 bits
  const low = total % 2 ** 32;
  b.set([low >>> 24, (low >>> 16) & 0xff, (low >>> 8) & 0xff, low & 0xff], s + 14);
  return b;
}

describe('FLAC STREAMINFO', () => {
  it('reads the largest block and the declared length, up to 36 bits', () => {
    expect(flacStreamInfo(head(4096, 172_973))).toEqual({ maxBlockSize: 4096, totalFrames: 172_973 });
    expect(flacStreamInfo(head(1152, 2 ** 33 + 5))).toEqual({ maxBlockSize: 1152, totalFrames: 2 ** 33 + 5 });
  });

  it('says nothing of a length the encoder left at 0, or when STREAMINFO is not first or is cut', () => {
    expect(flacStreamInfo(head(4096, 0))).toEqual({ maxBlockSize: 4096, totalFrames: undefined });
    expect(flacStreamInfo(head(4096, 1000, 4))).toBeUndefined();
    expect(flacStreamInfo(head(4096, 1000).subarray(0, 20))).toBeUndefined();
  });

  it('calls a stream truncated only when more than one block is missing', () => {
    const info = { maxBlockSize: 4096, totalFrames: 160_160 };
    expect(flacTruncated(info, 160_160)).toBe(false);
    expect(flacTruncated(info, 160_160 - 4096)).toBe(false); // one last frame lost behind bytes that are not audio
    expect(flacTruncated(info, 160_160 - 4097)).toBe(true);
    expect(flacTruncated({ maxBlockSize: 4096, totalFrames: undefined }, 10)).toBe(false);
    expect(flacTruncated(undefined, 10)).toBe(false);
  });

  it('knows an ID3v1 tag by its TAG and length', () => {
    const tag = new Uint8Array(128);
    tag.set([0x54, 0x41, 0x47]);
    expect(isId3v1(tag)).toBe(true);
    expect(isId3v1(tag.subarray(0, 127))).toBe(false);
    expect(isId3v1(new Uint8Array(128))).toBe(false);
  });
});

describe.skipIf(!hasSox('flac'))('a FLAC cut short (sox-made files)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ser-flac-'));
  const wav = join(dir, 'src.wav');
  writeFileSync(wav, writeWav({ sampleRate: 48_000, channels: [sine(300, 48_000, 4, 0.3)], encoding: 'pcm16' }));
  const flac = join(dir, 'src.flac');
  execFileSync('sox', [wav, flac]);
  const whole = new Uint8Array(readFileSync(flac));
  const cut = whole.subarray(0, Math.floor(whole.length * 0.4));
  /** `bytes` with an ID3v1 tag after them: TAG, then an empty title, artist… */
  const tagged = (bytes: Uint8Array): Uint8Array => {
    const out = new Uint8Array(bytes.length + 128);
    out.set(bytes);
    out.set([0x54, 0x41, 0x47], bytes.length);
    return out;
  };

  it('probes the whole file as whole and the cut copy as truncated', async () => {
    const full = await probeAudio(whole, 'src.flac');
    expect(flacStreamInfo(whole)?.totalFrames).toBe(192_000);
    expect(full).toMatchObject({ totalFrames: 192_000, truncated: false });
    const part = await probeAudio(cut, 'cut.flac');
    expect(part.truncated).toBe(true);
    expect(part.totalFrames).toBeLessThan(192_000 / 2);
  });

  it('decodes a very short last frame too: 10 blocks of a tone, then 416 silent samples (13 bytes), the shape of some ravdess-20 clips', async () => {
    const tone = sine(300, 48_000, (4096 * 10) / 48_000, 0.25);
    const x = new Float64Array(tone.length + 416);
    x.set(tone);
    const tailWav = join(dir, 'tail.wav');
    writeFileSync(tailWav, writeWav({ sampleRate: 48_000, channels: [x], encoding: 'pcm16' }));
    const tailFlac = join(dir, 'tail.flac');
    execFileSync('sox', [tailWav, tailFlac]);
    const clip = await loadClip(tailFlac, { offset: 0 });
    expect(clip).toMatchObject({ fileSeconds: x.length / 48_000, lengthKnown: true, truncated: false, validSamples: x.length });
    // Lossless: every sample is the WAV's, the tone's last one and the silence after it included.
    for (let i = 0; i < x.length; i++) if (clip.samples[i] !== quantize(x[i]!, 'pcm16')) expect.fail(`sample ${i}: ${clip.samples[i]} ≠ ${quantize(x[i]!, 'pcm16')}`);
  });

  it('reads every frame of a FLAC with an ID3v1 tag after its audio, and still finds the cut copy of one', async () => {
    expect(await probeAudio(tagged(whole), 'tagged.flac')).toMatchObject({ totalFrames: 192_000, truncated: false });
    expect((await probeAudio(tagged(cut), 'cut-tagged.flac')).truncated).toBe(true);
  });

  it('lists the cut copy as a problem of the dataset, naming how much audio it holds, and keeps the whole one', async () => {
    const root = join(dir, 'tree');
    ravdessTree(root, 1);
    put(root, 'Actor_02/03-01-03-01-01-01-02.flac', whole);
    put(root, 'Actor_02/03-01-04-01-01-01-02.flac', cut);
    const { summary } = await scanDataset(root);
    expect(summary.usable).toBe(61);
    expect(summary.problems.map((p) => [p.file, p.reason])).toEqual([
      ['Actor_02/03-01-04-01-01-01-02.flac', expect.stringMatching(/^truncated: the audio data stops after 1\.\d\d s, before the length its header declares/)],
    ]);
  });
});
if (!hasSox('flac')) console.warn('FLAC truncation tests skipped: sox cannot write FLAC here (CI installs sox + libsox-fmt-all)');
