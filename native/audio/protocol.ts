/**
 * Messages between the app and the capture process (captureProcess.ts), one tagged union per direction.
 * Plain data only: they cross a process boundary (Node IPC, 'advanced' serialization, so Float32Array
 * travels as a typed array). Errors come back as data, never as thrown objects.
 */
import type { ErrorInfo } from '../../electron/shared/errors.js';
import type { InputDevice } from '../../electron/shared/captureDevice.js';

/** The sample rate every block leaving capture has: the model's and the feature pipeline's rate. */
export const CAPTURE_RATE = 48_000;

/** Settings of one capture, chosen by the app (capture.ts) and applied by the capture process. */
export interface CaptureRequest {
  /** Device id from `listInputDevices`; undefined = the default input device. */
  deviceId?: number;
  /** Frames per block at the device's rate are chosen to last about this long (ms). */
  blockMs: number;
  /** libsamplerate converter: 0 best, 1 medium, 2 fastest sinc (see libsamplerate docs). */
  converterType: 0 | 1 | 2;
}

/** What the capture process actually opened. */
export interface OpenedDevice {
  device: InputDevice;
  /** Rate the device runs at (its native rate, or the first fallback rate PortAudio accepted). */
  inputRate: number;
  /** Channels opened (averaged to mono). */
  channels: number;
  /** Frames per block at `inputRate`. */
  framesPerBlock: number;
}

export type ToCapture =
  | { type: 'list' }
  | { type: 'start'; request: CaptureRequest }
  | { type: 'stop' };

export type FromCapture =
  | { type: 'devices'; devices: InputDevice[] }
  | { type: 'started'; opened: OpenedDevice }
  /**
   * 48 kHz mono samples. `frame` is the absolute 48 kHz index of samples[0]; `capturedAtMs` is the wall clock
   * (epoch ms, sub-ms precision) when naudiodon handed the device block to JS in the capture process.
   */
  | { type: 'block'; samples: Float32Array; frame: number; capturedAtMs: number }
  | { type: 'error'; error: ErrorInfo }
  | { type: 'stopped' };

/** Epoch milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
