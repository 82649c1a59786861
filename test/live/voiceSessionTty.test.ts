/**
 * `ser record --session --prompts` at a terminal: run inside a real pseudo-terminal (`script`), keys typed into it
 * as a person would after each take — r re-records, p replays (the sink is an output device), Enter keeps, d drops,
 * q ends the session early — against a private PulseAudio null sink. Nobody speaks, so every take is flagged short.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pulseSkipReason, startPulse, type PulseServer } from '../helpers/pulse.js';
import { repoRoot, serBin } from '../helpers/ser.js';

const noScript = spawnSync('sh', ['-c', 'command -v script'], { stdio: 'ignore' }).status !== 0;
const skip = pulseSkipReason ?? (noScript ? 'script (util-linux) is missing: it gives the session a terminal' : undefined);
if (skip) console.warn(`interactive session test skipped: ${skip}`);

describe.skipIf(!!skip)('ser record --session at a terminal', () => {
  let pulse: PulseServer;
  const dir = mkdtempSync(join(tmpdir(), 'vox-tty-'));
  beforeAll(async () => {
    pulse = await startPulse();
  });
  afterAll(async () => {
    await pulse?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('r re-records, p replays, Enter keeps, d drops, q ends early (exit 130) keeping what was kept', async () => {
    const folder = join(dir, 'session');
    const cmd = [process.execPath, serBin, 'record', '--session', folder, '--prompts', '--takes', '1', '--seconds', '1', '--speaker', 'tty', '--json'].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: repoRoot, env: { ...process.env, ...pulse.env, SER_DATA_DIR: dir }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const waiters: Array<{ n: number; re: RegExp; resolve: () => void }> = [];
    const count = (re: RegExp) => (out.match(new RegExp(re.source, 'g')) ?? []).length;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      for (const w of waiters.splice(0)) (count(w.re) >= w.n ? w.resolve() : waiters.push(w));
    });
    const closed = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    /** Waits for the n-th take result line, then types `key` (after a moment: the raw-mode read must be listening). */
    const after = async (n: number, key: string) => {
      await new Promise<void>((resolve, reject) => {
        if (count(/⚠ \w+\/\S+_tty\.wav/) >= n) return resolve();
        waiters.push({ n, re: /⚠ \w+\/\S+_tty\.wav/, resolve });
        void closed.then(() => reject(new Error(`ser ended before take ${n}: ${out}`)));
      });
      await new Promise((r) => setTimeout(r, 400));
      child.stdin.write(key);
    };
    await after(1, 'r'); // neutral: again
    await after(2, 'p'); // neutral (second recording): replay…
    await new Promise((r) => setTimeout(r, 2500));
    child.stdin.write('\r'); // …then keep
    await after(3, 'd'); // calm: drop
    await after(4, '\r'); // happy: keep
    await after(5, 'q'); // sad: end the session
    const code = await closed;
    clearTimeout(timer);
    expect(code, out).toBe(130);
    expect(out).toMatch(/Enter keeps it, r records it again, d drops it, p replays it \(on [^)]+\), q ends the session/);
    expect(out).not.toMatch(/cannot replay/);
    expect(out).toMatch(/recording it again/);
    expect(out.match(/^\[\d\/8\] /gm)).toEqual(['[1/8] ', '[2/8] ', '[3/8] ', '[4/8] ']);
    const summary = JSON.parse(/\{"folder".*\}/.exec(out)![0]) as Record<string, unknown>;
    expect(summary).toMatchObject({ folder, speaker: 'tty', takes: 2, dropped: 2, rerecorded: 1, stoppedEarly: true });
    expect(summary.perEmotion).toMatchObject({ neutral: 1, calm: 0, happy: 1, sad: 0 });
    expect(readdirSync(join(folder, 'neutral'))).toHaveLength(1);
    expect(readdirSync(join(folder, 'happy'))).toHaveLength(1);
    for (const e of ['calm', 'sad']) expect(existsSync(join(folder, e)) ? readdirSync(join(folder, e)) : [], e).toEqual([]);
  }, 180_000);
});
