/**
 * Splits a mel spectrogram (nMels × nFrames, mel-major) into overlapping time chunks, the paper's
 * 7 × 128 × 128 input: chunk i covers frames [i·stride, i·stride + width). The last frames that do not
 * fill a chunk are dropped (51 of 563 with the paper's settings).
 */
export interface ChunkConfig {
  /** Chunks per clip. Paper: 7. */
  count: number;
  /** Frames per chunk. Paper (reference): 128. */
  width: number;
  /** Frames between chunk starts. Paper (reference): 64. */
  stride: number;
}

export const PAPER_CHUNKS: Readonly<ChunkConfig> = Object.freeze({ count: 7, width: 128, stride: 64 });

/**
 * Returns a Float32Array laid out [chunk][mel][frame] (count × nMels × width), the model's input order.
 * Throws when the spectrogram is too short for the requested chunks.
 */
export function splitChunks(melDb: Float32Array, nMels: number, nFrames: number, cfg: ChunkConfig = PAPER_CHUNKS, out?: Float32Array): Float32Array {
  const { count, width, stride } = cfg;
  if (melDb.length !== nMels * nFrames) throw new RangeError(`splitChunks: expected ${nMels}×${nFrames} values, got ${melDb.length}`);
  const needed = (count - 1) * stride + width;
  if (needed > nFrames) throw new RangeError(`splitChunks: ${count} chunks of ${width} frames with stride ${stride} need ${needed} frames, got ${nFrames}`);
  const res = out ?? new Float32Array(count * nMels * width);
  for (let c = 0; c < count; c++) {
    const f0 = c * stride;
    for (let m = 0; m < nMels; m++) {
      const src = m * nFrames + f0;
      res.set(melDb.subarray(src, src + width), (c * nMels + m) * width);
    }
  }
  return res;
}
