/** The pure parts of capture: device bytes → mono float, and block-wise resampling to 48 kHz without seams. */
import { describe, expect, it } from 'vitest';
import { interleavedToMono } from '../../native/audio/pcm.js';
import { StreamResampler } from '../../native/audio/streamResampler.js';

describe('interleavedToMono', () => {
  it('averages channels and scales each integer width like libsndfile', () => {
    const frames = [
      [0.5, -0.25],
      [-1, 1],
      [0.25, 0.25],
    ];
    const cases = [
      { format: 16 as const, bytes: 2, put: (v: DataView, o: number, x: number) => v.setInt16(o, Math.round(x * 32767), true), tol: 1e-4 },
      { format: 32 as const, bytes: 4, put: (v: DataView, o: number, x: number) => v.setInt32(o, Math.round(x * 2147483647), true), tol: 1e-8 },
      { format: 1 as const, bytes: 4, put: (v: DataView, o: number, x: number) => v.setFloat32(o, x, true), tol: 0 },
      { format: 8 as const, bytes: 1, put: (v: DataView, o: number, x: number) => v.setUint8(o, Math.round(x * 127 + 128)), tol: 1e-2 },
      {
        format: 24 as const,
        bytes: 3,
        put: (v: DataView, o: number, x: number) => {
          const i = Math.round(x * 8388607) & 0xffffff;
          v.setUint8(o, i & 0xff); v.setUint8(o + 1, (i >> 8) & 0xff); v.setUint8(o + 2, i >> 16);
        },
        tol: 1e-6,
      },
    ];
    for (const c of cases) {
      const buf = new Uint8Array(frames.length * 2 * c.bytes + 1); // +1 stray byte: ignored
      const view = new DataView(buf.buffer);
      frames.forEach((f, i) => f.forEach((x, ch) => c.put(view, (i * 2 + ch) * c.bytes, x)));
      const mono = interleavedToMono(buf, c.format, 2);
      expect(mono.length, `format ${c.format}`).toBe(3);
      frames.forEach((f, i) => expect(Math.abs(mono[i]! - (f[0]! + f[1]!) / 2), `format ${c.format} frame ${i}`).toBeLessThanOrEqual(c.tol + 1e-7));
    }
  });

  it('passes mono through and rejects a channel count of 0', () => {
    const f = new Float32Array([0.1, -0.2, 0.3]);
    expect(Array.from(interleavedToMono(new Uint8Array(f.buffer), 1, 1))).toEqual(Array.from(f));
    expect(() => interleavedToMono(new Uint8Array(8), 1, 0)).toThrow(RangeError);
  });
});

describe('StreamResampler', () => {
  it('gives the same signal in 20 ms blocks as in one piece: no clicks or gaps at block edges', async () => {
    const inRate = 44_100;
    const x = Float32Array.from({ length: inRate }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / inRate));
    const whole = await StreamResampler.create(inRate, 48_000);
    const ref = whole.process(x);
    const blocky = await StreamResampler.create(inRate, 48_000);
    const parts: Float32Array[] = [];
    for (let i = 0; i < x.length; i += 882) parts.push(blocky.process(x.subarray(i, i + 882)));
    const joined = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((o, p) => (joined.set(p, o), o + p.length), 0);
    // Lengths: within one filter delay of n·48000/44100, and the block-wise stream agrees sample by sample.
    expect(Math.abs(joined.length - 48_000)).toBeLessThan(200);
    const n = Math.min(ref.length, joined.length);
    let maxDiff = 0;
    for (let i = 0; i < n; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i]! - joined[i]!));
    expect(maxDiff).toBeLessThan(1e-4);
    // A seam would show as a jump: the second difference of a 1 kHz sine at 48 kHz stays ≤ A·ω².
    const bound = 0.5 * (2 * Math.PI * 1000 / 48_000) ** 2 * 1.05;
    let max2 = 0;
    for (let i = 500; i < n - 1; i++) max2 = Math.max(max2, Math.abs(joined[i + 1]! - 2 * joined[i]! + joined[i - 1]!));
    expect(max2).toBeLessThan(bound);
    whole.destroy();
    blocky.destroy();
  });

  it('is a pass-through at 48 kHz already', async () => {
    const r = await StreamResampler.create(48_000, 48_000);
    const x = new Float32Array([1, 2, 3]);
    expect(r.process(x)).toBe(x);
  });
});
