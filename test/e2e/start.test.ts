/** `npm start` on a machine without the Electron binary says so and serves the app headless, printing the URL. */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/ser.js';

function electronInstalled(): boolean {
  try {
    createRequire(import.meta.url)('electron');
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(electronInstalled())('npm start without Electron', () => {
  it('falls back to ser serve and prints a working URL with its token', async () => {
    // test-results/ is git-ignored: a fresh checkout has none until another test makes it.
    mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
    const child = spawn(process.execPath, [join(repoRoot, 'scripts', 'start.mjs'), '--port', '0', '--db', join(repoRoot, 'test-results', 'start-test.db')], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL within 30 s; output so far:\n${out}`)), 30_000);
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.once('exit', (code) => reject(new Error(`start exited with ${code}:\n${out}`)));
      });
      expect(out).toMatch(/electron is not installed/);
      expect(out).toMatch(/headless mode/);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="app">');
      expect((await fetch(url.slice(0, url.indexOf('?')) + 'api/runs')).status).toBe(401);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    }
  });
});
