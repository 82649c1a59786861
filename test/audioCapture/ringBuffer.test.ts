import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../electron/shared/ringBuffer.js';

const ramp = (from: number, n: number) => Float32Array.from({ length: n }, (_, i) => from + i);

describe('RingBuffer (absolute frame indices)', () => {
  it('reads back what was written across the wrap-around, in any block sizes', () => {
    const rb = new RingBuffer(10);
    let next = 0;
    for (const n of [3, 4, 5, 1, 7, 2]) {
      rb.push(ramp(next, n));
      next += n;
    }
    expect(rb.written).toBe(22);
    expect(rb.oldest).toBe(12);
    expect(Array.from(rb.read(12, 10)!)).toEqual(Array.from(ramp(12, 10)));
    expect(Array.from(rb.read(15, 4)!)).toEqual([15, 16, 17, 18]);
    expect(Array.from(rb.latest(3))).toEqual([19, 20, 21]);
  });

  it('refuses spans that were overwritten or not written yet instead of returning wrong audio', () => {
    const rb = new RingBuffer(8);
    rb.push(ramp(0, 12));
    expect(rb.read(3, 2)).toBeUndefined(); // overwritten
    expect(rb.read(10, 4)).toBeUndefined(); // partly in the future
    expect(Array.from(rb.read(4, 8)!)).toEqual(Array.from(ramp(4, 8)));
  });

  it('keeps the tail of a block longer than the ring, the index advancing by its full length', () => {
    const rb = new RingBuffer(4);
    rb.push(ramp(0, 2));
    rb.push(ramp(2, 9));
    expect(rb.written).toBe(11);
    expect(Array.from(rb.read(7, 4)!)).toEqual([7, 8, 9, 10]);
  });

  it('reads into a caller buffer (no allocation per window) and rejects bad arguments', () => {
    const rb = new RingBuffer(6);
    rb.push(ramp(0, 5));
    const out = new Float32Array(3);
    expect(rb.read(1, 3, out)).toBe(out);
    expect(Array.from(out)).toEqual([1, 2, 3]);
    expect(() => rb.read(0, 4, out)).toThrow(RangeError);
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => rb.read(0.5, 1)).toThrow(RangeError);
  });
});
