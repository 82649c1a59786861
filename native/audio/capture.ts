/**
 * Microphone capture for the app, the CLI and (later) the streaming classifier: list input devices, and run a
 * capture that delivers 48 kHz float mono blocks to subscribers and into a ring buffer.
 *
 * naudiodon runs in a child process (captureProcess.ts), not in this process nor in a worker thread, because
 * measured here (naudiodon 2.3.6, Node 20, ALSA → PulseAudio):
 *  - when the sound server dies mid-stream, naudiodon reports nothing and its pending read never returns;
 *    `worker.terminate()` then never resolves and `process.exit()` hangs: only a separate process can be killed;
 *  - its segfault-handler dependency is not context-aware, so naudiodon can be loaded in only one JS context per
 *    process (a second worker fails with "Module did not self-register");
 *  - PortAudio printf()s banners to fd 1 and ALSA/JACK log probes to fd 2, which a thread shares with the host,
 *    so `--json` output would be corrupted. A child's stdio is ours to drain.
 * Blocks cross the process boundary over Node IPC with 'advanced' serialization (Float32Array as typed arrays).
 * This process does no audio work but receiving: it stays responsive (Electron main, CLI event loop).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SerError, type ErrorInfo } from '../../electron/shared/errors.js';
import { RingBuffer } from '../../electron/shared/ringBuffer.js';
import { CAPTURE_RATE, nowMs, type FromCapture, type OpenedDevice, type ToCapture } from './protocol.js';
import type { InputDevice } from '../../electron/shared/captureDevice.js';

export { CAPTURE_RATE, type OpenedDevice } from './protocol.js';
export type { InputDevice } from '../../electron/shared/captureDevice.js';

/** Where and how to run the capture process. */
export interface ProcessOptions {
  /** Environment of the capture process (default: this process's), e.g. PULSE_SERVER / ALSA settings in tests. */
  env?: NodeJS.ProcessEnv;
  /**
   * Executable for the capture process (default `process.execPath`). In Electron's main process `fork()` runs the
   * Electron binary as plain Node (ELECTRON_RUN_AS_NODE), which loads naudiodon rebuilt for Electron's ABI.
   */
  execPath?: string;
}

export interface CaptureOptions extends ProcessOptions {
  /** Device id from `listInputDevices()`; default: the default input device. */
  deviceId?: number;
  /** Target duration of one device block, ms (default 20, range 5–500): the delivery granularity and latency floor. */
  blockMs?: number;
  /** Seconds of 48 kHz audio the ring buffer keeps (default 10; the classifier needs ≥ its 3 s window). */
  ringSeconds?: number;
  /** No block for this long (ms, default 1500) ⇒ the device is taken as gone: the capture ends with an error. */
  stallTimeoutMs?: number;
  /**
   * Allowance for the first block after the device opened (ms, default 5000): ALSA's pulse plugin takes 0.4–1.2 s
   * here to deliver its first period, so the stall rule only applies once audio has flowed.
   */
  firstBlockTimeoutMs?: number;
  /** Device enumeration + open must finish within this (ms, default 10000). */
  startTimeoutMs?: number;
  /** Resampler quality: libsamplerate sinc 'best' | 'medium' (default) | 'fastest'. */
  quality?: 'best' | 'medium' | 'fastest';
}

/** One block of captured audio, already 48 kHz mono float. */
export interface AudioBlock {
  samples: Float32Array;
  sampleRate: typeof CAPTURE_RATE;
  /** Absolute 48 kHz frame index of samples[0] since capture start (= ring buffer index). */
  frame: number;
  /** Epoch ms when naudiodon handed the device block over in the capture process. */
  capturedAtMs: number;
  /** Epoch ms when this process received it (deliveredAtMs − capturedAtMs = conversion + IPC delay). */
  deliveredAtMs: number;
}

/** How a capture ended. `error` is set when it did not end by `stop()`. */
export interface CaptureEnd {
  reason: 'stopped' | 'error';
  error?: ErrorInfo;
  /** 48 kHz frames delivered. */
  frames: number;
}

const STOP_GRACE_MS = 1000;
const STALL_MESSAGE = 'input device stopped delivering audio (unplugged? sound server stopped?)';

/** The capture process's entry: the compiled .js beside this file, or the .ts through tsx when run from sources (vitest). */
function entry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const ts = here.endsWith('.ts');
  return { file: join(dirname(here), ts ? 'captureProcess.ts' : 'captureProcess.js'), execArgv: ts ? ['--import', 'tsx'] : [] };
}

/** Keeps the last lines of the capture process's stderr (ALSA/PortAudio diagnostics) for error details. */
function drain(child: ChildProcess): () => string[] {
  const tail: string[] = [];
  child.stdout?.resume(); // PortAudio banners: not ours to print
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    for (const line of d.split('\n')) if (line.trim()) tail.push(line);
    if (tail.length > 40) tail.splice(0, tail.length - 40);
  });
  return () => tail.slice(-10);
}

function spawnCapture(opts: ProcessOptions): { child: ChildProcess; stderrTail: () => string[] } {
  const { file, execArgv } = entry();
  const child = fork(file, [], {
    execPath: opts.execPath ?? process.execPath,
    execArgv,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  return { child, stderrTail: drain(child) };
}

function send(child: ChildProcess, msg: ToCapture): void {
  if (child.connected) child.send(msg);
}

function exitDescription(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

function toSerError(info: ErrorInfo): SerError {
  return new SerError(info.code, info.message, info.details);
}

/** Input devices (PortAudio's view: host API, channels, native rate), default marked. Empty when there is none. */
export function listInputDevices(opts: ProcessOptions & { timeoutMs?: number } = {}): Promise<InputDevice[]> {
  return new Promise((resolve, reject) => {
    const { child, stderrTail } = spawnCapture(opts);
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      fn();
    };
    const timer = setTimeout(
      () => settle(() => reject(new SerError('device', `listing audio devices did not finish within ${(opts.timeoutMs ?? 10_000) / 1000} s (sound server hung?)`))),
      opts.timeoutMs ?? 10_000,
    );
    child.on('message', (msg: FromCapture) => {
      if (msg.type === 'devices') settle(() => resolve(msg.devices));
      else if (msg.type === 'error') settle(() => reject(toSerError(msg.error)));
    });
    child.on('error', (err) => settle(() => reject(new SerError('backend', `could not start the audio capture process: ${err.message}`))));
    child.on('exit', (code, signal) =>
      settle(() => reject(new SerError('backend', `the audio capture process failed while listing devices (${exitDescription(code, signal)})`, { stderr: stderrTail() }))),
    );
    send(child, { type: 'list' });
  });
}

type BlockListener = (block: AudioBlock) => void;

/**
 * A running capture. Subscribe with `onBlock` (every block, in order, on this process's event loop) or read the
 * `ring` by absolute frame index; `ended` settles exactly once, whether by `stop()`, device error, stall or crash.
 */
export class CaptureSession {
  readonly opened: OpenedDevice;
  readonly ring: RingBuffer;
  readonly ended: Promise<CaptureEnd>;
  readonly #child: ChildProcess;
  readonly #listeners = new Set<BlockListener>();
  readonly #stderrTail: () => string[];
  #resolveEnd!: (end: CaptureEnd) => void;
  #done = false;
  #stopping = false;
  #frames = 0;
  #lastBlockAt: number;
  #watchdog: NodeJS.Timeout;

  /** @internal use startCapture() */
  constructor(
    child: ChildProcess,
    opened: OpenedDevice,
    opts: Required<Pick<CaptureOptions, 'ringSeconds' | 'stallTimeoutMs' | 'firstBlockTimeoutMs'>>,
    stderrTail: () => string[],
  ) {
    this.#child = child;
    this.opened = opened;
    this.#stderrTail = stderrTail;
    this.ring = new RingBuffer(Math.round(opts.ringSeconds * CAPTURE_RATE));
    this.ended = new Promise((resolve) => (this.#resolveEnd = resolve));
    this.#lastBlockAt = nowMs();
    child.on('message', (msg: FromCapture) => this.#onMessage(msg));
    child.on('exit', (code, signal) => {
      if (!this.#done) this.#finish({ reason: 'error', error: { code: 'device', message: `the audio capture process died (${exitDescription(code, signal)})`, details: { stderr: this.#stderrTail() } } });
    });
    // The watchdog is the only way to notice a vanished device: naudiodon itself just stops calling back.
    this.#watchdog = setInterval(() => {
      const limit = this.#frames === 0 ? Math.max(opts.firstBlockTimeoutMs, opts.stallTimeoutMs) : opts.stallTimeoutMs;
      if (nowMs() - this.#lastBlockAt > limit) {
        const message = this.#frames === 0 ? `the input device opened but delivered no audio within ${limit / 1000} s` : STALL_MESSAGE;
        this.#finish({ reason: 'error', error: { code: 'device', message } });
      }
    }, 100);
  }

  /** 48 kHz frames delivered so far. */
  get frames(): number {
    return this.#frames;
  }

  /** Calls `listener` for each block from now on; returns the unsubscribe function. */
  onBlock(listener: BlockListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops the device and the capture process (killed if it does not quit within 1 s). Idempotent. */
  stop(): Promise<CaptureEnd> {
    if (!this.#done && !this.#stopping) {
      this.#stopping = true;
      clearInterval(this.#watchdog);
      send(this.#child, { type: 'stop' });
      const grace = setTimeout(() => this.#finish({ reason: 'stopped' }), STOP_GRACE_MS);
      void this.ended.then(() => clearTimeout(grace));
    }
    return this.ended;
  }

  #onMessage(msg: FromCapture): void {
    if (this.#done) return;
    if (msg.type === 'block') {
      const block: AudioBlock = { samples: msg.samples, sampleRate: CAPTURE_RATE, frame: msg.frame, capturedAtMs: msg.capturedAtMs, deliveredAtMs: nowMs() };
      this.#lastBlockAt = block.deliveredAtMs;
      this.ring.push(block.samples);
      this.#frames = msg.frame + msg.samples.length;
      for (const l of this.#listeners) {
        try {
          l(block);
        } catch (err) {
          this.#finish({ reason: 'error', error: { code: 'internal', message: `a capture subscriber failed: ${err instanceof Error ? err.message : String(err)}` } });
          return;
        }
      }
    } else if (msg.type === 'error') {
      this.#finish({ reason: 'error', error: msg.error });
    } else if (msg.type === 'stopped') {
      this.#finish({ reason: 'stopped' });
    }
  }

  #finish(end: Omit<CaptureEnd, 'frames'>): void {
    if (this.#done) return;
    this.#done = true;
    clearInterval(this.#watchdog);
    this.#listeners.clear();
    // Kill rather than wait: after a device failure the process may never exit by itself (see file comment).
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
    this.#resolveEnd({ ...end, frames: this.#frames });
  }
}

/**
 * Opens the device and starts capturing. Rejects with SerError when there is no input device, the id is unknown,
 * the device cannot be opened, naudiodon cannot load, or opening takes longer than `startTimeoutMs`.
 */
export function startCapture(opts: CaptureOptions = {}): Promise<CaptureSession> {
  const blockMs = opts.blockMs ?? 20;
  if (!(blockMs >= 5 && blockMs <= 500)) throw new RangeError(`startCapture: blockMs must be within 5–500, got ${blockMs}`);
  const ringSeconds = opts.ringSeconds ?? 10;
  const stallTimeoutMs = opts.stallTimeoutMs ?? 1500;
  const firstBlockTimeoutMs = opts.firstBlockTimeoutMs ?? 5000;
  const startTimeoutMs = opts.startTimeoutMs ?? 10_000;
  const converterType = ({ best: 0, medium: 1, fastest: 2 } as const)[opts.quality ?? 'medium'];
  return new Promise((resolve, reject) => {
    const { child, stderrTail } = spawnCapture(opts);
    let settled = false;
    const fail = (err: SerError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      reject(err);
    };
    const timer = setTimeout(() => fail(new SerError('device', `the input device did not open within ${startTimeoutMs / 1000} s (sound server hung?)`)), startTimeoutMs);
    const onMessage = (msg: FromCapture) => {
      if (msg.type === 'started') {
        settled = true;
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(new CaptureSession(child, msg.opened, { ringSeconds, stallTimeoutMs, firstBlockTimeoutMs }, stderrTail));
      } else if (msg.type === 'error') fail(toSerError(msg.error));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(new SerError('backend', `the audio capture process failed while opening the device (${exitDescription(code, signal)})`, { stderr: stderrTail() }));
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.on('error', (err) => fail(new SerError('backend', `could not start the audio capture process: ${err.message}`)));
    send(child, { type: 'start', request: { deviceId: opts.deviceId, blockMs, converterType } });
  });
}
