/** Messages between the streaming classifier (app/CLI thread) and its inference worker thread. Plain data only. */
import type { ErrorInfo } from '../../shared/errors.js';
import type { GateOptions } from './gate.js';

export interface ClassifierWorkerInit {
  modelDir: string;
  /** Forced backend name (tensorflow-gpu | tensorflow | wasm | cpu); default the fastest that loads. */
  backend?: string;
  gate: GateOptions;
}

export type ToClassifierWorker =
  /** One window to classify; `samples` is transferred (windowFrames long). */
  | { type: 'window'; id: number; samples: Float32Array }
  | { type: 'close' };

export type FromClassifierWorker =
  | { type: 'ready'; backend: string; windowFrames: number; sampleRate: number; runId: number | null }
  | { type: 'error'; error: ErrorInfo }
  | {
      type: 'result';
      id: number;
      rms: number;
      voicedFraction: number;
      voiced: boolean;
      probs: number[] | null;
      featuresMs: number;
      inferenceMs: number;
      /** The window's buffer, handed back for reuse. */
      samples: Float32Array;
    };
