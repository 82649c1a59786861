/**
 * Entry point of the playback process, forked by playback.ts: plays one buffer of mono float samples on the default
 * output device through naudiodon (PortAudio), then exits. Its own process for the reasons capture has one (a
 * native stream that can hang its process must not hang the app), and so a replay never shares PortAudio with a
 * capture in progress.
 */
import { toErrorInfo, SerError } from '../../electron/shared/errors.js';
import { defaultOutputDevice, openOutput } from './naudiodonBackend.js';
import type { FromPlayback, ToPlayback } from './playbackProtocol.js';

function send(msg: FromPlayback): void {
  if (process.connected) process.send!(msg);
}

/** What a sound server may still buffer after the last samples were handed over, ms. */
const SERVER_TAIL_MS = 200;

function play(samples: Float32Array, sampleRate: number): void {
  const device = defaultOutputDevice();
  if (!device) throw new SerError('device', 'no audio output device: connect speakers or headphones (and check that PulseAudio/PipeWire is running) to replay');
  const out = openOutput({ deviceId: device.id, sampleRate });
  out.on('error', (err) => send({ type: 'error', error: toErrorInfo(new SerError('device', `playback on ${device.name} failed: ${err.message}`)) }));
  // 'finished' means PortAudio has handed the last samples on, which through ALSA → PulseAudio can be well before
  // they are heard (on a busy machine, seconds); the caller kills this process on 'done' and the sound server drops
  // what it still holds. So also wait until the audio's own length has passed, plus the server's buffer.
  const playedAt = performance.now() + (samples.length / sampleRate) * 1000 + SERVER_TAIL_MS;
  out.on('finished', () => setTimeout(() => send({ type: 'done', device: device.name }), Math.max(0, playedAt - performance.now())));
  out.start();
  // A copy that owns its memory: the samples arrived as a view of the message's buffer.
  out.write(Buffer.from(samples.slice().buffer));
  out.end();
}

process.on('message', (msg: ToPlayback) => {
  try {
    if (msg.type === 'probe') {
      const d = defaultOutputDevice();
      send({ type: 'output', device: d ? d.name : null });
    } else if (msg.type === 'play') play(msg.samples, msg.sampleRate);
  } catch (err) {
    send({ type: 'error', error: toErrorInfo(err) });
  }
});
process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
process.on('SIGINT', () => {});
