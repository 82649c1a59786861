/** Decoded audio: one Float32Array per channel, samples in [-1, 1], at the file's own rate. */
export interface DecodedAudio {
  sampleRate: number;
  channels: Float32Array[];
  /**
   * Frames in the whole file (may exceed the decoded span when only a window was read). For FLAC/MP3/Ogg decoding
   * stops at the window's end, so there it is a lower bound unless `lengthKnown`.
   */
  totalFrames: number;
  /** True when `totalFrames` is the file's exact length (WAV headers; compressed files decoded to their end). */
  lengthKnown: boolean;
  format: string;
}

/** Frame window to decode, in frames at the file's rate; `count` undefined = to the end. */
export interface FrameWindow {
  start: number;
  count?: number;
}
