/**
 * A private PulseAudio server for real-audio tests: a null sink `vmic` whose monitor `vmic.monitor` is the default
 * source, so audio played with `paplay --device=vmic` is what the "microphone" hears.
 *
 * Each call gets its own HOME / XDG_RUNTIME_DIR / PULSE_RUNTIME_PATH under a temp dir, so test files (vitest runs
 * them in parallel forks) do not share a server, killing one (the unplug test) does not disturb the others, and
 * nothing of the machine's own sound setup is touched. ALSA's default device is pointed at pulse with an
 * `.asoundrc` in that temp HOME (PortAudio reaches PulseAudio through ALSA's pulse plugin, libasound2-plugins).
 * Works as root (CI): pulseaudio only warns that it is "not intended to be run as root" in per-user mode.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

const missing = ['pulseaudio', 'pactl', 'paplay'].filter((c) => !has(c));
/** Why real-audio tests skip here, or undefined when PulseAudio is installed. */
export const pulseSkipReason: string | undefined = missing.length
  ? `PulseAudio is not installed (missing ${missing.join(', ')}): apt-get install pulseaudio pulseaudio-utils libasound2-plugins espeak-ng sox (.ci/run does) to run the real-audio capture tests`
  : undefined;
/** Why speech tests skip, or undefined when espeak-ng is installed. */
export const espeakSkipReason: string | undefined = has('espeak-ng') ? undefined : 'espeak-ng is not installed (apt-get install espeak-ng) to synthesise test speech';

export interface PulseServer {
  /** Full environment for child processes (capture process, `ser`) that must use this server. */
  env: NodeJS.ProcessEnv;
  /** Temp dir holding the server's HOME and runtime dir (removed by stop()). */
  dir: string;
  /** Plays a WAV into the null sink, i.e. into the default source's ears; resolves when playback ends. */
  play(file: string): Promise<void>;
  /** PID of the running daemon. */
  pid(): Promise<number>;
  /** Simulates unplugging the microphone: SIGKILL the daemon (no goodbye to its clients). */
  kill9(): Promise<void>;
  /** Stops the daemon if still running and removes the temp dir. */
  stop(): Promise<void>;
}

/** True while `pid` runs; a zombie (killed, not yet reaped: containers' PID 1 may never reap) counts as dead. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  let status = '';
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return false;
  }
  return !/^State:\s+Z/m.test(status);
}

async function waitFor(what: string, ok: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Starts a private PulseAudio daemon with the `vmic` null sink. Call stop() in afterAll. */
export async function startPulse(): Promise<PulseServer> {
  if (pulseSkipReason) throw new Error(pulseSkipReason);
  const dir = await mkdtemp(join(tmpdir(), 'vox-pulse-'));
  const runtime = join(dir, 'run');
  await mkdir(join(runtime, 'pulse'), { recursive: true, mode: 0o700 });
  await writeFile(join(dir, '.asoundrc'), 'pcm.!default { type pulse }\nctl.!default { type pulse }\n');
  const vars = {
    HOME: dir,
    XDG_RUNTIME_DIR: runtime,
    PULSE_RUNTIME_PATH: join(runtime, 'pulse'),
    PULSE_SERVER: `unix:${join(runtime, 'pulse', 'native')}`,
    // PortAudio also probes JACK; do not let that probe spawn a JACK server.
    JACK_NO_START_SERVER: '1',
  };
  const env: NodeJS.ProcessEnv = { ...process.env, ...vars };
  const pidFile = join(runtime, 'pulse', 'pid');
  await run(
    'pulseaudio',
    ['--daemonize=yes', '--exit-idle-time=-1', '-n', '--load=module-null-sink sink_name=vmic', '--load=module-native-protocol-unix', '--system=false', '--log-target=stderr'],
    { env, timeout: 20_000 },
  );
  await waitFor('PulseAudio to answer `pactl info`', async () => {
    try {
      await run('pactl', ['info'], { env, timeout: 5000 });
      return true;
    } catch {
      return false;
    }
  }, 10_000);
  await run('pactl', ['set-default-source', 'vmic.monitor'], { env });
  const pid = async () => Number((await readFile(pidFile, 'utf8')).trim());
  const daemonPid = await pid();

  return {
    env,
    dir,
    pid,
    play(file: string) {
      return new Promise((resolve, reject) => {
        const p = spawn('paplay', ['--device=vmic', file], { env, stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
        p.on('error', reject);
        p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`paplay ${file} failed (${code}): ${err.trim()}`))));
      });
    },
    async kill9() {
      process.kill(daemonPid, 'SIGKILL');
      await waitFor('PulseAudio to die', () => !alive(daemonPid), 5000);
    },
    async stop() {
      if (alive(daemonPid)) {
        process.kill(daemonPid, 'SIGTERM');
        await waitFor('PulseAudio to stop', () => !alive(daemonPid), 5000).catch(() => process.kill(daemonPid, 'SIGKILL'));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Writes `text` spoken by espeak-ng to a WAV (22.05 kHz mono 16-bit). */
export async function synthSpeech(text: string, file: string): Promise<void> {
  await run('espeak-ng', ['-w', file, text], { timeout: 30_000 });
}
