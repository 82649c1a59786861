/**
 * Entry point of the capture process, forked by capture.ts. Holds naudiodon; speaks protocol.ts over Node IPC.
 * Per device block: bytes → mono float → 48 kHz (stateful resampler) → one 'block' message.
 * It never decides when to give up on a silent device: the app watches the block stream and SIGKILLs this
 * process, because a dead PortAudio stream can block even process.exit() here.
 */
import { toErrorInfo, SerError } from '../../electron/shared/errors.js';
import { listInputDevices, openInput, type NaudiodonInput } from './naudiodonBackend.js';
import { interleavedToMono, type SampleFormat } from './pcm.js';
import { StreamResampler } from './streamResampler.js';
import { CAPTURE_RATE, nowMs, type CaptureRequest, type FromCapture, type OpenedDevice, type ToCapture } from './protocol.js';
import type { InputDevice } from '../../electron/shared/captureDevice.js';

/** Float32 is what PortAudio converts every host format to most cheaply, and needs no scaling here. */
const FORMAT: SampleFormat = 1;

let stream: NaudiodonInput | undefined;
let resampler: StreamResampler | undefined;
let stopping = false;

function send(msg: FromCapture): void {
  if (process.connected) process.send!(msg);
}

function fail(err: unknown): void {
  send({ type: 'error', error: toErrorInfo(err) });
}

function pickDevice(devices: InputDevice[], deviceId: number | undefined): InputDevice {
  if (devices.length === 0) {
    throw new SerError('device', 'no audio input device found: connect a microphone (and check that PulseAudio/PipeWire is running), then see `ser devices`');
  }
  if (deviceId === undefined) return devices.find((d) => d.default) ?? devices[0]!;
  const d = devices.find((x) => x.id === deviceId);
  if (!d) throw new SerError('not-found', `no input device with id ${deviceId}; \`ser devices\` lists the ids (${devices.map((x) => x.id).join(', ')})`);
  return d;
}

/** Audio the capture process may fall behind by before the device overruns. */
const QUEUE_SECONDS = 5;

async function start(req: CaptureRequest): Promise<void> {
  const device = pickDevice(listInputDevices(), req.deviceId);
  const channels = Math.min(2, device.channels);
  // The device's own rate first (no hidden resampling in ALSA/PortAudio), then the common ones.
  const rates = [...new Set([device.defaultSampleRate, 48_000, 44_100].filter((r) => r > 0))];
  let lastErr: unknown;
  let opened: OpenedDevice | undefined;
  for (const rate of rates) {
    const framesPerBlock = Math.max(64, Math.round((rate * req.blockMs) / 1000));
    try {
      // naudiodon's queue blocks PortAudio's callback when full, and the sound server then drops audio: hold 5 s of
      // blocks so a busy machine (training in the background) delays the audio instead of losing it.
      const maxQueue = Math.ceil(QUEUE_SECONDS / (framesPerBlock / rate));
      stream = openInput({ deviceId: device.id, sampleRate: rate, channels, format: FORMAT, framesPerBlock, maxQueue });
      opened = { device, inputRate: rate, channels, framesPerBlock };
      break;
    } catch (err) {
      lastErr = err;
    }
  }
  if (!stream || !opened) throw lastErr;
  resampler = await StreamResampler.create(opened.inputRate, CAPTURE_RATE, req.converterType);
  let frame = 0;
  const rs = resampler;
  const ch = opened.channels;
  stream.on('data', (chunk: Buffer) => {
    const capturedAtMs = nowMs();
    const mono = interleavedToMono(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength), FORMAT, ch);
    const samples = rs.process(mono);
    if (samples.length === 0) return;
    send({ type: 'block', samples, frame, capturedAtMs });
    frame += samples.length;
  });
  stream.on('error', (err: Error) => fail(new SerError('device', `input device error: ${err.message}`)));
  stream.on('end', () => {
    if (!stopping) fail(new SerError('device', 'input device closed the stream (unplugged?)'));
  });
  try {
    stream.start();
  } catch (err) {
    throw new SerError('device', `could not start input device ${device.id} (${device.name}): ${err instanceof Error ? err.message : String(err)}`);
  }
  send({ type: 'started', opened });
}

function stop(): void {
  if (stopping) return;
  stopping = true;
  if (!stream) {
    send({ type: 'stopped' });
    return;
  }
  stream.quit(() => {
    resampler?.destroy();
    send({ type: 'stopped' });
  });
}

process.on('message', (msg: ToCapture) => {
  try {
    if (msg.type === 'list') send({ type: 'devices', devices: listInputDevices() });
    else if (msg.type === 'start') start(msg.request).catch(fail);
    else if (msg.type === 'stop') stop();
  } catch (err) {
    fail(err);
  }
});

// The app went away (closed, crashed, Ctrl-C): do not outlive it. With a stream open, exit() can hang in
// PortAudio's teardown, so leave the hard way; the sound server drops our client on its own.
process.on('disconnect', () => {
  if (stream) process.kill(process.pid, 'SIGKILL');
  else process.exit(0);
});
process.on('uncaughtException', (err) => {
  // Report, then leave without PortAudio teardown (see 'disconnect'); the app also sees the exit.
  const die = () => process.kill(process.pid, 'SIGKILL');
  if (process.connected) process.send!({ type: 'error', error: toErrorInfo(err) } satisfies FromCapture, die);
  else die();
});
// Ctrl-C in a terminal signals the whole foreground process group: the app, not this process, decides when
// capture stops (`ser record` saves what it has), so ignore it here.
process.on('SIGINT', () => {});
