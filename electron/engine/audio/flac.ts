/**
 * What a FLAC file declares about itself before any frame is decoded. The STREAMINFO block must come first, right
 * after the `fLaC` marker (RFC 9639 §8.2): it holds the largest block size and the stream's length in samples per
 * channel (0 when the encoder did not know it).
 */

/** Byte offset of STREAMINFO's data: 4 (`fLaC`) + 4 (the metadata block header). */
const STREAMINFO_AT = 8;
/** STREAMINFO's data is exactly 34 bytes. */
const STREAMINFO_BYTES = 34;

export interface FlacStreamInfo {
  /** Largest block (frame) in samples per channel. */
  maxBlockSize: number;
  /** Samples per channel in the stream, or undefined when the file does not say. */
  totalFrames: number | undefined;
}

/** The STREAMINFO at the start of `head` (its first 26 bytes are enough), or undefined when it is not there. */
export function flacStreamInfo(head: Uint8Array): FlacStreamInfo | undefined {
  if (head.length < STREAMINFO_AT + 18) return undefined;
  const blockType = head[4]! & 0x7f;
  const blockLength = (head[5]! << 16) | (head[6]! << 8) | head[7]!;
  if (blockType !== 0 || blockLength !== STREAMINFO_BYTES) return undefined;
  const s = STREAMINFO_AT;
  const maxBlockSize = (head[s + 2]! << 8) | head[s + 3]!;
  // Bits 108–143 of STREAMINFO: the low 4 bits of byte 13, then bytes 14–17 (36 bits, big-endian).
  const high = head[s + 13]! & 0x0f;
  const low = ((head[s + 14]! << 24) | (head[s + 15]! << 16) | (head[s + 16]! << 8) | head[s + 17]!) >>> 0;
  const total = high * 2 ** 32 + low;
  return { maxBlockSize, totalFrames: total > 0 ? total : undefined };
}

/**
 * Whether `decoded` samples per channel, read to the end of the bytes, fall short of what STREAMINFO declares by more
 * than one block. One block of slack because the decoder (codec-parser 2.5) drops a very short last frame — in 97 of
 * the 1,200 FLACs of ravdess-20, a 416-sample frame of digital silence after the 4096-sample ones — which is not
 * damage; a cut copy loses far more than one block.
 */
export function flacTruncated(info: FlacStreamInfo | undefined, decoded: number): boolean {
  return info?.totalFrames !== undefined && info.totalFrames - decoded > Math.max(info.maxBlockSize, 1);
}
