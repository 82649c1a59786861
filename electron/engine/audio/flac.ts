/**
 * What a FLAC file declares about itself before any frame is decoded. The STREAMINFO block must come first, right
 * after the `fLaC` marker (RFC 9639 §8.2), and holds the stream's length in samples per channel — 0 when the encoder
 * did not know it. A decoder reaching the end of the bytes short of that length has read a cut copy.
 */

/** Byte offset of STREAMINFO's data: 4 (`fLaC`) + 4 (the metadata block header). */
const STREAMINFO_AT = 8;
/** STREAMINFO's data is exactly 34 bytes. */
const STREAMINFO_BYTES = 34;

/**
 * The samples per channel the STREAMINFO at the start of `head` declares (its first 26 bytes are enough), or
 * undefined when the file does not say (a 0 length, or no STREAMINFO first).
 */
export function flacDeclaredFrames(head: Uint8Array): number | undefined {
  if (head.length < STREAMINFO_AT + 18) return undefined;
  const blockType = head[4]! & 0x7f;
  const blockLength = (head[5]! << 16) | (head[6]! << 8) | head[7]!;
  if (blockType !== 0 || blockLength !== STREAMINFO_BYTES) return undefined;
  // Bits 108–143 of STREAMINFO: the low 4 bits of byte 13, then bytes 14–17 (36 bits, big-endian).
  const s = STREAMINFO_AT;
  const high = head[s + 13]! & 0x0f;
  const low = ((head[s + 14]! << 24) | (head[s + 15]! << 16) | (head[s + 16]! << 8) | head[s + 17]!) >>> 0;
  const total = high * 2 ** 32 + low;
  return total > 0 ? total : undefined;
}
