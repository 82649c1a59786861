import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appRoot } from '../../electron/engine/version.js';
import { defaultDbPath, osUserDataDir, runningFromCheckout, setUserDataDir } from '../../electron/engine/store/dbPath.js';

afterEach(() => setUserDataDir(undefined));

describe('defaultDbPath', () => {
  it('prefers SER_DB', () => {
    setUserDataDir('/somewhere/userData');
    expect(defaultDbPath({ SER_DB: '/tmp/my.db' })).toBe('/tmp/my.db');
  });

  it('uses the folder Electron registered (packaged app)', () => {
    setUserDataDir('/somewhere/userData');
    expect(defaultDbPath({})).toBe(join('/somewhere/userData', 'experiments.db'));
  });

  it('is experiments.db in the repository root when running from a checkout', () => {
    expect(runningFromCheckout()).toBe(true); // the tests run from the git checkout
    expect(defaultDbPath({ SER_DB: '  ' })).toBe(join(appRoot, 'experiments.db'));
  });

  it('knows where Electron keeps user data on this OS', () => {
    expect(osUserDataDir()).toMatch(/Vox Affect$/);
  });
});
