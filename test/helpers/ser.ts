import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const serBin = join(repoRoot, 'bin', 'ser.js');

export interface SerResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `ser` command as a user would (node bin/ser.js …), no shell, no stdin. */
export function runSer(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<SerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [serBin, ...args], {
      cwd: opts.cwd ?? repoRoot,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Path of ../shared (RAVDESS subset, librosa fixtures) or undefined with the reason tests print when skipping. */
export const sharedDir: string | undefined = process.env.SER_SHARED;
export const sharedSkipReason = 'SER_SHARED is not set: point it at the shared/ folder beside the repo (CI sets it) to run this test';
