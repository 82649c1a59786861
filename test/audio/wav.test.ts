import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav16, readWavInfo } from '../../electron/engine/audio/wav.js';
import { decodeAudio, toMono } from '../../electron/engine/audio/decode.js';
import { SerError } from '../../electron/shared/errors.js';
import { quantize, sine, writeWav, type WavSpec } from '../helpers/wavWriter.js';

const encodings: WavSpec['encoding'][] = ['pcm8', 'pcm16', 'pcm24', 'pcm32', 'float32', 'float64'];

describe('WAV decoder', () => {
  for (const encoding of encodings) {
    for (const extensible of [false, true]) {
      it(`reads ${encoding}${extensible ? ' (WAVE_FORMAT_EXTENSIBLE)' : ''} exactly as libsndfile scales it`, () => {
        const x = sine(440, 22050, 0.1, 0.8);
        const bytes = writeWav({ sampleRate: 22050, channels: [x], encoding, extensible, extraChunk: true });
        const d = decodeWav(bytes, 'gen.wav');
        expect(d.sampleRate).toBe(22050);
        expect(d.channels).toHaveLength(1);
        expect(d.channels[0]!.length).toBe(x.length);
        let maxErr = 0;
        for (let i = 0; i < x.length; i++) maxErr = Math.max(maxErr, Math.abs(d.channels[0]![i]! - Math.fround(quantize(x[i]!, encoding))));
        expect(maxErr).toBeLessThan(1e-7);
      });
    }
  }

  it('down-mixes stereo by averaging the channels (librosa.to_mono)', () => {
    const l = sine(300, 44100, 0.05, 0.5);
    const r = sine(700, 44100, 0.05, 0.3);
    const d = decodeWav(writeWav({ sampleRate: 44100, channels: [l, r], encoding: 'pcm16' }), 'stereo.wav');
    expect(d.channels).toHaveLength(2);
    const m = toMono(d.channels);
    for (const i of [0, 17, 500, l.length - 1]) {
      expect(m[i]).toBeCloseTo((quantize(l[i]!, 'pcm16') + quantize(r[i]!, 'pcm16')) / 2, 6);
    }
  });

  it('decodes only the requested frame window', () => {
    const x = sine(100, 48000, 1, 0.5);
    const d = decodeWav(writeWav({ sampleRate: 48000, channels: [x], encoding: 'pcm24' }), 'w.wav', { start: 1000, count: 256 });
    expect(d.channels[0]!.length).toBe(256);
    expect(d.totalFrames).toBe(48000);
    expect(d.channels[0]![0]).toBeCloseTo(quantize(x[1000]!, 'pcm24'), 6);
  });

  it('round-trips its own 16-bit writer (recordings)', () => {
    const x = Float32Array.from(sine(1000, 48000, 0.05, 0.9));
    const d = decodeWav(encodeWav16(x, 48000), 'rec.wav');
    expect(d.sampleRate).toBe(48000);
    for (let i = 0; i < x.length; i += 97) expect(Math.abs(d.channels[0]![i]! - x[i]!)).toBeLessThan(1 / 32768 + 1e-9);
  });

  it('rejects an empty file, naming it', async () => {
    await expect(decodeAudio(new Uint8Array(0), 'empty.wav')).rejects.toThrow(/empty\.wav: file is empty/);
  });

  it('rejects a truncated header', () => {
    const full = writeWav({ sampleRate: 16000, channels: [sine(200, 16000, 0.1)], encoding: 'pcm16' });
    expect(() => decodeWav(full.subarray(0, 20), 'cut.wav')).toThrow(SerError);
    expect(() => decodeWav(full.subarray(0, 20), 'cut.wav')).toThrow(/cut\.wav: truncated/);
    expect(() => decodeWav(full.subarray(0, 40), 'cut2.wav')).toThrow(/cut2\.wav: .*no audio data chunk|cut2\.wav: truncated/);
  });

  it('rejects garbage bytes as not audio', async () => {
    const junk = new Uint8Array(4096).map((_, i) => (i * 7919) & 0xff);
    await expect(decodeAudio(junk, 'junk.wav')).rejects.toThrow(/junk\.wav: not a recognised audio file/);
  });

  it('keeps the whole frames of a file cut off mid-data and flags it', () => {
    const x = sine(200, 16000, 0.5);
    const full = writeWav({ sampleRate: 16000, channels: [x], encoding: 'pcm16' });
    const cut = full.subarray(0, full.length - 1001); // odd cut: half a sample at the end
    const info = readWavInfo(cut, 'cut.wav');
    expect(info.truncated).toBe(true);
    expect(info.frames).toBe(Math.floor((cut.length - 44) / 2));
    expect(decodeWav(cut, 'cut.wav').channels[0]!.length).toBe(info.frames);
  });

  it('refuses encodings it cannot read with advice', () => {
    const bytes = writeWav({ sampleRate: 8000, channels: [sine(200, 8000, 0.1)], encoding: 'pcm16' });
    new DataView(bytes.buffer).setUint16(20, 0x0006, true); // A-law
    expect(() => decodeWav(bytes, 'alaw.wav')).toThrow(/alaw\.wav: unsupported WAV encoding .*convert it/);
  });

  it('rejects a WAV whose data chunk is empty', () => {
    const bytes = writeWav({ sampleRate: 8000, channels: [new Float64Array(0)], encoding: 'pcm16' });
    expect(() => decodeWav(bytes, 'nodata.wav')).toThrow(/nodata\.wav: WAV file has no audio samples/);
  });
});
