/**
 * What a FLAC file says about itself outside its audio frames. The STREAMINFO block must come first, right after the
 * `fLaC` marker (RFC 9639 §8.2): it holds the largest block and the stream's length in samples per channel (0 when
 * the encoder did not know it). Some taggers also append an ID3v1 tag (`TAG` + 125 bytes) after the last frame.
 */

/** Byte offset of STREAMINFO's data: 4 (`fLaC`) + 4 (the metadata block header). */
const STREAMINFO_AT = 8;
/** STREAMINFO's data is exactly 34 bytes. */
const STREAMINFO_BYTES = 34;
/** An ID3v1 tag is the file's last 128 bytes, starting with `TAG`. */
export const ID3V1_BYTES = 128;

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
 * than one block: a cut copy loses more, while one last frame can be lost to bytes after it that are not audio (a
 * tag this reader does not know), which is not damage.
 */
export function flacTruncated(info: FlacStreamInfo | undefined, decoded: number): boolean {
  return info?.totalFrames !== undefined && info.totalFrames - decoded > info.maxBlockSize;
}

/** Whether `last` (a file's last 128 bytes) is an ID3v1 tag. */
export function isId3v1(last: Uint8Array): boolean {
  return last.length === ID3V1_BYTES && last[0] === 0x54 && last[1] === 0x41 && last[2] === 0x47; // TAG
}
