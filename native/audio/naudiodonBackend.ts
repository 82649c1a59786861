/**
 * The only module that touches naudiodon (PortAudio). It is loaded in the capture process only (see capture.ts
 * for why not in the app's process or a worker thread). naudiodon is an optional dependency: when it is missing
 * or built for another ABI, callers get SerError('backend') saying so, not a stack trace.
 */
import { createRequire } from 'node:module';
import { SerError } from '../../electron/shared/errors.js';
import type { InputDevice } from '../../electron/shared/captureDevice.js';
import type { SampleFormat } from './pcm.js';

/** The slice of naudiodon's API we use (its own index.d.ts types the stream as a Node ReadableStream). */
interface NaudiodonDevice {
  id: number;
  name: string;
  maxInputChannels: number;
  maxOutputChannels: number;
  defaultSampleRate: number;
  hostAPIName: string;
}
interface NaudiodonHostApis {
  defaultHostAPI: number;
  HostAPIs: Array<{ id: number; name: string; defaultInput: number; defaultOutput: number }>;
}
export interface NaudiodonOutput {
  on(event: 'finished' | 'close', cb: () => void): this;
  on(event: 'error', cb: (err: Error) => void): this;
  write(chunk: Buffer, cb?: (err?: Error | null) => void): boolean;
  end(cb?: () => void): this;
  start(): void;
  abort(cb?: () => void): void;
}
export interface NaudiodonInput {
  on(event: 'data', cb: (chunk: Buffer) => void): this;
  on(event: 'error', cb: (err: Error) => void): this;
  on(event: 'end' | 'close', cb: () => void): this;
  removeAllListeners(event?: string): this;
  start(): void;
  quit(cb?: () => void): void;
  abort(cb?: () => void): void;
}
interface Naudiodon {
  getDevices(): NaudiodonDevice[];
  getHostAPIs(): NaudiodonHostApis;
  AudioIO(options: { inOptions: Record<string, number | boolean> }): NaudiodonInput;
  AudioIO(options: { outOptions: Record<string, number | boolean> }): NaudiodonOutput;
}

let cached: Naudiodon | undefined;

export function loadNaudiodon(): Naudiodon {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  try {
    cached = require('naudiodon') as Naudiodon;
    return cached;
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new SerError(
      'backend',
      `audio capture is unavailable: naudiodon (PortAudio) failed to load (${first}); install it with \`npm install naudiodon\` (needs a C++ toolchain), or \`npm rebuild naudiodon\` after a Node upgrade (Electron: \`npx electron-builder install-app-deps\`)`,
    );
  }
}

/** PortAudio reports "no device" as paNoDevice (-1), which naudiodon passes through as an unsigned 32-bit int. */
function validIndex(i: number): boolean {
  return Number.isInteger(i) && i >= 0 && i < 0x7fffffff;
}

/** Input-capable devices, the default host API's default input marked. */
export function listInputDevices(): InputDevice[] {
  const na = loadNaudiodon();
  const apis = na.getHostAPIs();
  const defaultApi = apis.HostAPIs.find((a) => a.id === apis.defaultHostAPI) ?? apis.HostAPIs[0];
  const defaultId = defaultApi && validIndex(defaultApi.defaultInput) ? defaultApi.defaultInput : -1;
  return na
    .getDevices()
    .filter((d) => d.maxInputChannels > 0)
    .map((d) => ({
      id: d.id,
      name: d.name,
      hostAPI: d.hostAPIName,
      channels: d.maxInputChannels,
      defaultSampleRate: d.defaultSampleRate,
      default: d.id === defaultId,
    }));
}

export interface OpenInputOptions {
  deviceId: number;
  sampleRate: number;
  channels: number;
  format: SampleFormat;
  framesPerBlock: number;
  /** Device blocks naudiodon may queue before PortAudio's callback blocks (its default, 2, drops audio on any GC pause). */
  maxQueue: number;
}

/** Opens (does not start) an input stream. Throws SerError('device') with PortAudio's reason. */
export function openInput(o: OpenInputOptions): NaudiodonInput {
  const na = loadNaudiodon();
  const bytesPerFrame = (o.format === 1 ? 4 : o.format / 8) * o.channels;
  try {
    return na.AudioIO({
      inOptions: {
        deviceId: o.deviceId,
        sampleRate: o.sampleRate,
        channelCount: o.channels,
        sampleFormat: o.format,
        framesPerBuffer: o.framesPerBlock,
        // naudiodon's Readable asks for highwaterMark bytes per read: one block per 'data' event.
        highwaterMark: o.framesPerBlock * bytesPerFrame,
        maxQueue: o.maxQueue,
        closeOnError: false,
      },
    });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new SerError('device', `could not open input device ${o.deviceId} at ${o.sampleRate} Hz, ${o.channels} channel(s): ${reason}`);
  }
}

/** The default host API's default output device (its id and name), or undefined when there is none. */
export function defaultOutputDevice(): { id: number; name: string } | undefined {
  const na = loadNaudiodon();
  const apis = na.getHostAPIs();
  const api = apis.HostAPIs.find((a) => a.id === apis.defaultHostAPI) ?? apis.HostAPIs[0];
  const outputs = na.getDevices().filter((d) => d.maxOutputChannels > 0);
  const d = (api && validIndex(api.defaultOutput) ? outputs.find((o) => o.id === api.defaultOutput) : undefined) ?? outputs[0];
  return d && { id: d.id, name: d.name };
}

/** Opens (does not start) a mono float32 output stream on `deviceId`. Throws SerError('device') with PortAudio's reason. */
export function openOutput(o: { deviceId: number; sampleRate: number }): NaudiodonOutput {
  const na = loadNaudiodon();
  try {
    return na.AudioIO({ outOptions: { deviceId: o.deviceId, sampleRate: o.sampleRate, channelCount: 1, sampleFormat: 1, closeOnError: false } });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new SerError('device', `could not open output device ${o.deviceId} at ${o.sampleRate} Hz: ${reason}`);
  }
}
