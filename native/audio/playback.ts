/**
 * Replays a take on the default output device (`ser record --session`: the `p` key). PortAudio runs in a child
 * process (playbackProcess.ts) that plays one buffer and exits; this side only waits, with a deadline of the
 * audio's length plus a margin, so a stuck device cannot hang the caller. Without any output device both functions
 * say so (null / SerError('device')) instead of failing obscurely.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SerError } from '../../electron/shared/errors.js';
import type { ProcessOptions } from './capture.js';
import type { FromPlayback, ToPlayback } from './playbackProtocol.js';

function spawnPlayback(opts: ProcessOptions): ChildProcess {
  const here = fileURLToPath(import.meta.url);
  const ts = here.endsWith('.ts');
  const child = fork(join(dirname(here), ts ? 'playbackProcess.ts' : 'playbackProcess.js'), [], {
    execPath: opts.execPath ?? process.execPath,
    execArgv: ts ? ['--import', 'tsx'] : [],
    env: opts.env ?? process.env,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    serialization: 'advanced',
  });
  return child;
}

function exchange<T>(opts: ProcessOptions, msg: ToPlayback, timeoutMs: number, pick: (m: FromPlayback) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawnPlayback(opts);
    const end = (fn: () => void) => {
      clearTimeout(timer);
      child.removeAllListeners();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      fn();
    };
    const timer = setTimeout(() => end(() => reject(new SerError('device', `playback did not finish within ${(timeoutMs / 1000).toFixed(1)} s; the output device may be stuck`))), timeoutMs);
    child.on('message', (m: FromPlayback) => {
      if (m.type === 'error') return end(() => reject(new SerError(m.error.code, m.error.message, m.error.details)));
      const v = pick(m);
      if (v !== undefined) end(() => resolve(v));
    });
    child.on('error', (err) => end(() => reject(new SerError('device', `the playback process failed to start: ${err.message}`))));
    child.on('exit', (code, signal) => end(() => reject(new SerError('device', `the playback process ended (${signal ?? `exit code ${code}`}) before it finished`))));
    child.send(msg);
  });
}

/** The default output device's name, or null when there is none. */
export function defaultOutputName(opts: ProcessOptions = {}): Promise<string | null> {
  return exchange(opts, { type: 'probe' }, 10_000, (m) => (m.type === 'output' ? m.device : undefined));
}

/** Plays mono float samples; resolves with the device's name once they have been played. */
export function playSamples(samples: Float32Array, sampleRate: number, opts: ProcessOptions = {}): Promise<string> {
  return exchange(opts, { type: 'play', samples, sampleRate }, 10_000 + (samples.length / sampleRate) * 1000 * 2, (m) => (m.type === 'done' ? m.device : undefined));
}
