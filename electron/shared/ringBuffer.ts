/**
 * Fixed-size ring of mono float samples addressed by absolute frame index (frames since capture start).
 * Capture writes blocks as they arrive; a streaming classifier reads "the 3 s ending at frame N" without
 * copying the whole history. Absolute indices (not read pointers) let several readers (classifier, level
 * meter, recorder) share one ring, each remembering where it is; a reader that falls more than `capacity`
 * frames behind gets `undefined` for the overwritten span instead of silently wrong audio.
 */
export class RingBuffer {
  readonly capacity: number;
  readonly #data: Float32Array;
  /** Frames ever written: the absolute index one past the newest frame. */
  #written = 0;

  /** @param capacity frames kept (e.g. 10 s × 48000); must be a positive integer. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`RingBuffer capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.#data = new Float32Array(capacity);
  }

  /** Absolute index one past the newest frame (= total frames written). */
  get written(): number {
    return this.#written;
  }

  /** Absolute index of the oldest frame still held. */
  get oldest(): number {
    return Math.max(0, this.#written - this.capacity);
  }

  /** Appends samples; when a block is longer than the ring only its tail is kept (the index still advances by its length). */
  push(samples: Float32Array): void {
    const n = samples.length;
    if (n === 0) return;
    const src = n > this.capacity ? samples.subarray(n - this.capacity) : samples;
    const start = (this.#written + (n - src.length)) % this.capacity;
    const first = Math.min(src.length, this.capacity - start);
    this.#data.set(src.subarray(0, first), start);
    if (first < src.length) this.#data.set(src.subarray(first), 0);
    this.#written += n;
  }

  /**
   * Copies frames [start, start + count) into a new array (or `out`), or returns undefined when part of that span
   * is not held: already overwritten (reader too slow) or not yet written (reader ahead of capture).
   */
  read(start: number, count: number, out?: Float32Array): Float32Array | undefined {
    if (!Number.isInteger(start) || !Number.isInteger(count) || count < 0) throw new RangeError(`RingBuffer.read needs integer start and count ≥ 0, got ${start}, ${count}`);
    if (start < this.oldest || start + count > this.#written) return undefined;
    const dst = out ?? new Float32Array(count);
    if (dst.length < count) throw new RangeError(`RingBuffer.read: output holds ${dst.length} frames, ${count} needed`);
    const s = start % this.capacity;
    const first = Math.min(count, this.capacity - s);
    dst.set(this.#data.subarray(s, s + first), 0);
    if (first < count) dst.set(this.#data.subarray(0, count - first), first);
    return dst;
  }

  /** The newest `count` frames (fewer if fewer were written). */
  latest(count: number): Float32Array {
    const n = Math.min(count, this.#written, this.capacity);
    return this.read(this.#written - n, n)!;
  }
}
