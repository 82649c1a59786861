/**
 * Streaming emotion classification of a live 48 kHz mono stream: a sliding window of the model's duration (3 s)
 * advanced every hop (0.5 s), gated for silence, classified on a worker thread, smoothed, emitted as events.
 *
 * Windows end on a fixed grid of absolute frames (windowFrames + k·hopFrames since capture start), so a window is
 * cut the moment the block holding its last sample arrives. One window is in the worker at a time; if the next is
 * due before the worker is free it waits, and a newer one replaces it (counted in `stats.dropped`): on a slow
 * machine the display skips windows rather than falling further and further behind.
 *
 * `latencyMs` of an event = time from the arrival in this process of the block holding the window's last sample
 * (capture's `deliveredAtMs`) to the event: queueing + gate + features + inference + the thread hops.
 */
import type { Worker } from 'node:worker_threads';
import { SerError, type ErrorInfo } from '../../shared/errors.js';
import { EMOTIONS, type Emotion } from '../../shared/labels.js';
import { startWorker } from '../workers/spawn.js';
import { DEFAULT_GATE, type GateOptions } from './gate.js';
import type { ClassifierWorkerInit, FromClassifierWorker, ToClassifierWorker } from './protocol.js';
import type { RingBuffer } from '../../shared/ringBuffer.js';
import { argmax, DEFAULT_SMOOTHING, ProbabilitySmoother, type SmoothingOptions } from './smoothing.js';

/** What the classifier reads audio from: `CaptureSession` (native/audio/capture.ts) fits. */
export interface BlockSource {
  onBlock(listener: (block: { samples: Float32Array; frame: number; deliveredAtMs: number }) => void): () => void;
  readonly ring: RingBuffer;
}

export interface LiveEvent {
  /** Seconds since capture start at the window's end. */
  t: number;
  /** Absolute 48 kHz frame one past the window's last sample (the window is [frame − windowFrames, frame)). */
  frame: number;
  /** Smoothed probabilities in EMOTIONS order; all 0 for a silent window. */
  probs: number[];
  /** This window's own probabilities (before smoothing); null for a silent window. */
  raw: number[] | null;
  top: Emotion | 'silence';
  /** The smoothed probability of `top` (0 for silence). */
  confidence: number;
  /** Whole-window RMS, linear (1 = full scale). */
  rms: number;
  voiced: boolean;
  voicedFraction: number;
  /** From the arrival of the window's last sample to this event, ms. */
  latencyMs: number;
  featuresMs: number;
  inferenceMs: number;
}

export interface StreamingOptions {
  /** Exported model folder (model.json + weights.bin + metadata.json). */
  modelDir: string;
  /** Force a TensorFlow.js backend; default: the fastest that loads (tensorflow-gpu, tensorflow, wasm, cpu). */
  backend?: string;
  /** Seconds between window ends (default 0.5; at least 0.01, at most the window). */
  hopSeconds?: number;
  gate?: Partial<GateOptions>;
  smoothing?: SmoothingOptions;
  /** Model load + warm-up must finish within this (ms, default 60000). */
  startTimeoutMs?: number;
}

export interface StreamingStats {
  /** Windows classified (voiced or not). */
  windows: number;
  /** Windows skipped because the worker was still busy with an older one. */
  dropped: number;
}

const wallMs = () => performance.timeOrigin + performance.now();

interface Pending {
  samples: Float32Array;
  frame: number;
  deliveredAtMs: number;
}

export class StreamingClassifier {
  readonly backend: string;
  readonly windowFrames: number;
  readonly sampleRate: number;
  readonly hopFrames: number;
  /** Run id recorded in the model's metadata (null for a model not made by a run). */
  readonly runId: number | null;
  readonly options: { hopSeconds: number; gate: GateOptions; smoothing: SmoothingOptions };
  readonly stats: StreamingStats = { windows: 0, dropped: 0 };
  readonly #worker: Worker;
  readonly #smoother: ProbabilitySmoother;
  readonly #eventListeners = new Set<(e: LiveEvent) => void>();
  readonly #errorListeners = new Set<(e: ErrorInfo) => void>();
  readonly #pool: Float32Array[] = [];
  readonly #idleWaiters: Array<() => void> = [];
  #inFlight: (Pending & { id: number }) | undefined;
  #pending: Pending | undefined;
  #nextId = 0;
  #detach: (() => void) | undefined;
  #closed = false;
  #error: ErrorInfo | undefined;

  private constructor(worker: Worker, ready: Extract<FromClassifierWorker, { type: 'ready' }>, opts: StreamingClassifier['options']) {
    this.#worker = worker;
    this.backend = ready.backend;
    this.windowFrames = ready.windowFrames;
    this.sampleRate = ready.sampleRate;
    this.runId = ready.runId;
    this.options = opts;
    this.hopFrames = Math.round(opts.hopSeconds * ready.sampleRate);
    if (this.hopFrames < 1 || this.hopFrames > this.windowFrames) {
      throw new RangeError(`hop must be within 1 frame and the window (${this.windowFrames / ready.sampleRate} s), got ${opts.hopSeconds} s`);
    }
    this.#smoother = new ProbabilitySmoother(opts.smoothing);
    worker.on('message', (m: FromClassifierWorker) => this.#onMessage(m));
    worker.on('error', (err) => this.#fail({ code: 'internal', message: `the live classifier thread failed: ${err.message}` }));
    worker.on('exit', (code) => {
      if (!this.#closed) this.#fail({ code: 'internal', message: `the live classifier thread exited unexpectedly (code ${code})` });
    });
  }

  /** Loads the model on a new worker thread (backend selection + warm-up); rejects with SerError on failure. */
  static start(opts: StreamingOptions): Promise<StreamingClassifier> {
    const hopSeconds = opts.hopSeconds ?? 0.5;
    if (!(hopSeconds >= 0.01)) throw new RangeError(`hopSeconds must be ≥ 0.01, got ${hopSeconds}`);
    const gate: GateOptions = { ...DEFAULT_GATE, ...opts.gate };
    const smoothing = opts.smoothing ?? DEFAULT_SMOOTHING;
    new ProbabilitySmoother(smoothing); // validates before a thread is started
    const init: ClassifierWorkerInit = { modelDir: opts.modelDir, gate, ...(opts.backend ? { backend: opts.backend } : {}) };
    const worker = startWorker(import.meta.url, 'classifierWorker', { workerData: init });
    const timeoutMs = opts.startTimeoutMs ?? 60_000;
    return new Promise((resolve, reject) => {
      // Remove only our own listeners: Worker keeps internal ones (port ref/unref) that removeAllListeners would drop.
      const detach = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const fail = (err: SerError) => {
        detach();
        void worker.terminate();
        reject(err);
      };
      const timer = setTimeout(() => fail(new SerError('backend', `loading the model ${opts.modelDir} did not finish within ${timeoutMs / 1000} s`)), timeoutMs);
      const onMessage = (m: FromClassifierWorker) => {
        if (m.type === 'error') fail(new SerError(m.error.code, m.error.message, m.error.details));
        else if (m.type === 'ready') {
          detach();
          try {
            resolve(new StreamingClassifier(worker, m, { hopSeconds, gate, smoothing }));
          } catch (err) {
            void worker.terminate();
            reject(err);
          }
        }
      };
      const onError = (err: Error) => fail(new SerError('internal', `the live classifier thread failed while loading ${opts.modelDir}: ${err.message}`));
      const onExit = (code: number) => fail(new SerError('internal', `the live classifier thread exited while loading ${opts.modelDir} (code ${code})`));
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  }

  onEvent(listener: (e: LiveEvent) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  /** Called once if the worker fails (the classifier is then closed). */
  onError(listener: (e: ErrorInfo) => void): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  /**
   * Starts classifying `source`. The first window ends at the first grid point (windowFrames + k·hopFrames) not
   * already behind the source, so a classifier attached to a running capture starts from the present.
   */
  attach(source: BlockSource): void {
    if (this.#detach) throw new Error('StreamingClassifier.attach: already attached');
    const ring = source.ring;
    let nextEnd = this.windowFrames;
    if (ring.written > nextEnd) nextEnd += Math.ceil((ring.written - nextEnd) / this.hopFrames) * this.hopFrames;
    this.#detach = source.onBlock((block) => {
      if (this.#closed) return;
      const written = block.frame + block.samples.length;
      while (nextEnd <= written) {
        const start = nextEnd - this.windowFrames;
        const buf = this.#pool.pop() ?? new Float32Array(this.windowFrames);
        const samples = ring.read(start, this.windowFrames, buf);
        if (samples) this.#submit({ samples, frame: nextEnd, deliveredAtMs: block.deliveredAtMs });
        else this.#pool.push(buf); // already overwritten: the ring is smaller than the window (misconfigured)
        nextEnd += this.hopFrames;
      }
    });
  }

  /** Resolves when no window is queued or being classified. */
  idle(): Promise<void> {
    if (!this.#inFlight && !this.#pending) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  /** Stops listening and ends the worker thread. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#detach?.();
    this.#pending = undefined;
    this.#inFlight = undefined;
    this.#wakeIdle();
    await this.#worker.terminate();
  }

  #submit(p: Pending): void {
    if (this.#inFlight) {
      if (this.#pending) {
        this.stats.dropped++;
        this.#pool.push(this.#pending.samples);
      }
      this.#pending = p;
      return;
    }
    const id = this.#nextId++;
    this.#inFlight = { ...p, id };
    const msg: ToClassifierWorker = { type: 'window', id, samples: p.samples };
    this.#worker.postMessage(msg, [p.samples.buffer as ArrayBuffer]);
  }

  #onMessage(m: FromClassifierWorker): void {
    if (this.#closed) return;
    if (m.type === 'error') {
      this.#fail(m.error);
      return;
    }
    if (m.type !== 'result') return;
    const w = this.#inFlight;
    if (!w || w.id !== m.id) return;
    this.#inFlight = undefined;
    this.#pool.push(m.samples);
    this.stats.windows++;
    let probs: number[];
    let top: LiveEvent['top'];
    let confidence: number;
    if (m.voiced && m.probs) {
      probs = this.#smoother.push(m.probs);
      const i = argmax(probs);
      top = EMOTIONS[i]!;
      confidence = probs[i]!;
    } else {
      this.#smoother.reset();
      probs = new Array<number>(EMOTIONS.length).fill(0);
      top = 'silence';
      confidence = 0;
    }
    const event: LiveEvent = {
      t: w.frame / this.sampleRate,
      frame: w.frame,
      probs,
      raw: m.probs,
      top,
      confidence,
      rms: m.rms,
      voiced: m.voiced,
      voicedFraction: m.voicedFraction,
      latencyMs: wallMs() - w.deliveredAtMs,
      featuresMs: m.featuresMs,
      inferenceMs: m.inferenceMs,
    };
    const next = this.#pending;
    this.#pending = undefined;
    if (next) this.#submit(next);
    for (const l of this.#eventListeners) l(event);
    if (!this.#inFlight && !this.#pending) this.#wakeIdle();
  }

  #wakeIdle(): void {
    for (const w of this.#idleWaiters.splice(0)) w();
  }

  #fail(error: ErrorInfo): void {
    if (this.#closed) return;
    this.#error = error;
    for (const l of this.#errorListeners) l(error);
    void this.close();
  }

  /** The failure that closed the classifier, if any. */
  get error(): ErrorInfo | undefined {
    return this.#error;
  }
}
