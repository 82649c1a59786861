/**
 * Device bytes → mono float. PortAudio hands interleaved frames in the sample format the stream was opened
 * with; this averages the channels (a plain downmix: a mic on one channel of a stereo pair loses 6 dB, which
 * the level-independent features do not care about) and scales integers the way libsndfile does
 * (int16 / 32768, 8-bit unsigned centred on 128), so live audio matches decoded files.
 */

/** naudiodon's sample format codes: 1 = float32, else the integer bit depth. */
export type SampleFormat = 1 | 8 | 16 | 24 | 32;

export function bytesPerSample(format: SampleFormat): number {
  return format === 1 ? 4 : format / 8;
}

/**
 * Converts whole interleaved frames of `bytes` (little-endian) to mono float32. Trailing bytes that do not
 * make a whole frame are ignored (naudiodon only delivers whole frames; this keeps a bad caller from reading garbage).
 */
export function interleavedToMono(bytes: Uint8Array, format: SampleFormat, channels: number): Float32Array {
  if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`interleavedToMono: channels must be ≥ 1, got ${channels}`);
  const bps = bytesPerSample(format);
  const frameBytes = bps * channels;
  const frames = Math.floor(bytes.length / frameBytes);
  const out = new Float32Array(frames);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const inv = 1 / channels;
  for (let f = 0, p = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++, p += bps) {
      switch (format) {
        case 1: sum += view.getFloat32(p, true); break;
        case 16: sum += view.getInt16(p, true) / 32768; break;
        case 32: sum += view.getInt32(p, true) / 2147483648; break;
        case 24: sum += (((bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16)) << 8) >> 8) / 8388608; break;
        default: sum += (bytes[p]! - 128) / 128;
      }
    }
    out[f] = sum * inv;
  }
  return out;
}
