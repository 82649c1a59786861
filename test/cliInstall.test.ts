import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installCliLauncher } from '../electron/engine/cliInstall.js';
import { serBin } from './helpers/ser.js';

describe('installing the ser command (packaged app)', () => {
  (process.platform === 'win32' ? it.skip : it)('writes an executable launcher that runs bin/ser.js through the given executable', () => {
    // In the packaged app execPath is the Electron binary (run as Node); here plain Node plays that part.
    const dir = join(mkdtempSync(join(tmpdir(), "ser it's-")), 'bin');
    const res = installCliLauncher({ execPath: process.execPath, serScript: serBin, targetDir: dir });
    expect(res.path).toBe(join(dir, 'ser'));
    expect(statSync(res.path).mode & 0o111).not.toBe(0);
    expect(readFileSync(res.path, 'utf8')).toContain('ELECTRON_RUN_AS_NODE=1');
    expect(res.onPath).toBe(false);
    expect(res.hint).toContain(dir);
    const version = execFileSync(res.path, ['--version'], { encoding: 'utf8' }).trim();
    expect(version).toBe(JSON.parse(readFileSync(join(serBin, '..', '..', 'package.json'), 'utf8')).version);
  });
  it('writes a .cmd launcher for Windows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ser-win-'));
    const res = installCliLauncher({ execPath: 'C:\\Program Files\\Vox Affect\\Vox Affect.exe', serScript: 'C:\\Program Files\\Vox Affect\\resources\\app.asar\\bin\\ser.js', targetDir: dir, platform: 'win32' });
    expect(res.path.endsWith('ser.cmd')).toBe(true);
    const text = readFileSync(res.path, 'utf8');
    expect(text).toContain('set ELECTRON_RUN_AS_NODE=1');
    expect(text).toContain('"C:\\Program Files\\Vox Affect\\Vox Affect.exe" "C:\\Program Files\\Vox Affect\\resources\\app.asar\\bin\\ser.js" %*');
  });
});
