/** Messages between the app and the playback process (playbackProcess.ts): one tagged union per direction. */
import type { ErrorInfo } from '../../electron/shared/errors.js';

export type ToPlayback = { type: 'probe' } | { type: 'play'; samples: Float32Array; sampleRate: number };

export type FromPlayback =
  | { type: 'output'; device: string | null }
  | { type: 'done'; device: string }
  | { type: 'error'; error: ErrorInfo };
