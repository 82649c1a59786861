/** Settings → "Install the ser command": available in the desktop app, refused clearly in a browser tab. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRouter } from '../../electron/server/router.js';
import { createServices, type Services } from '../../electron/services/index.js';
import { serBin } from '../helpers/ser.js';

let services: Services | undefined;
afterEach(async () => {
  await services?.close();
  services = undefined;
});

function make(withLauncher: boolean): Services {
  const dir = mkdtempSync(join(tmpdir(), 'ser-install-'));
  return createServices({
    transport: withLauncher ? 'ipc' : 'http',
    dbPath: join(dir, 'x.db'),
    dataDir: join(dir, 'data'),
    ...(withLauncher ? { cliLauncher: { execPath: process.execPath, serScript: serBin, targetDir: join(dir, 'bin') } } : {}),
  });
}

describe('installCli', () => {
  (process.platform === 'win32' ? it.skip : it)('the desktop app writes a working ser launcher', async () => {
    services = make(true);
    const router = createRouter(services.handlers);
    const about = await router.call('about', {});
    expect(about.ok && (about.value as { canInstallCli: boolean }).canInstallCli).toBe(true);
    const r = await router.call('installCli', {});
    expect(r.ok).toBe(true);
    const { path } = (r as { ok: true; value: { path: string } }).value;
    expect(execFileSync(path, ['--version'], { encoding: 'utf8' }).trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('a browser tab (headless mode) is told how to get the command instead', async () => {
    services = make(false);
    const router = createRouter(services.handlers);
    const about = await router.call('about', {});
    expect(about.ok && (about.value as { canInstallCli: boolean }).canInstallCli).toBe(false);
    const r = await router.call('installCli', {});
    expect(r).toMatchObject({ ok: false, error: { code: 'unsupported', message: expect.stringContaining('npx ser') } });
    const bad = await router.call('installCli', { dir: '/etc' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-input' } });
  });
});
