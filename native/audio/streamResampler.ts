/**
 * Block-by-block sample-rate conversion to 48 kHz for live audio. Unlike `resample()` in the engine (libsamplerate's
 * `simple` API, one whole signal), this keeps libsamplerate's filter state between blocks (its `full` API,
 * end_of_input never set), so consecutive blocks join without a click or a gap: resampling a signal in 20 ms
 * pieces gives the same samples as resampling it whole, delayed by the filter's group delay (≈2 ms at medium quality).
 */
import libsamplerate from '@alexanderolsen/libsamplerate-js';

const { create } = libsamplerate;
type Converter = Awaited<ReturnType<typeof create>>;

export class StreamResampler {
  readonly inputRate: number;
  readonly outputRate: number;
  readonly #src: Converter | undefined;

  private constructor(inputRate: number, outputRate: number, src: Converter | undefined) {
    this.inputRate = inputRate;
    this.outputRate = outputRate;
    this.#src = src;
  }

  /**
   * @param converterType libsamplerate converter: 0 best, 1 medium (default, ≈121 dB SNR), 2 fastest sinc.
   * Same rates make a pass-through that allocates nothing.
   */
  static async create(inputRate: number, outputRate: number, converterType: 0 | 1 | 2 = 1): Promise<StreamResampler> {
    if (!(inputRate > 0 && outputRate > 0)) throw new RangeError(`StreamResampler: rates must be positive, got ${inputRate} → ${outputRate}`);
    const src = inputRate === outputRate ? undefined : await create(1, inputRate, outputRate, { converterType });
    return new StreamResampler(inputRate, outputRate, src);
  }

  /** Converts the next block. Output lengths vary by ±1 around n·out/in; the running total tracks it exactly. */
  process(block: Float32Array): Float32Array {
    if (!this.#src || block.length === 0) return block;
    return this.#src.full(block);
  }

  /** Frees the wasm converter. */
  destroy(): void {
    if (this.#src && !this.#src.isDestroyed) this.#src.destroy();
  }
}
