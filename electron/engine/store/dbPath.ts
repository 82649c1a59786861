/**
 * Where the experiment database lives. Order of precedence:
 *   1. `SER_DB` (the CLI's `--db` wins over this, by passing a path explicitly);
 *   2. the folder the Electron main process registered with `setUserDataDir(app.getPath('userData'))`
 *      (the packaged app; the engine never imports `electron`, so main has to tell us);
 *   3. `<repo>/experiments.db` when running from a checkout (gitignored);
 *   4. the OS user-data folder Electron would use (so a CLI from an installed package shares the app's DB).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { appRoot } from '../version.js';

export const DB_FILE_NAME = 'experiments.db';
/** Electron's `app.getPath('userData')` is `<appData>/<productName>`. */
const PRODUCT_NAME = 'Vox Affect';

let userDataDir: string | undefined;

/** Hook for the Electron main process: `if (app.isPackaged) setUserDataDir(app.getPath('userData'))`. */
export function setUserDataDir(dir: string | undefined): void {
  userDataDir = dir;
}

/** Mirrors Electron's appData + productName for each OS. */
export function osUserDataDir(): string {
  const home = homedir();
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', PRODUCT_NAME);
  return join(process.env.XDG_CONFIG_HOME ?? join(home, '.config'), PRODUCT_NAME);
}

/** True when the code runs from a git checkout (development), not from an installed package. */
export function runningFromCheckout(): boolean {
  return existsSync(join(appRoot, '.git'));
}

export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.SER_DB?.trim();
  if (fromEnv) return fromEnv;
  if (userDataDir) return join(userDataDir, DB_FILE_NAME);
  if (runningFromCheckout()) return join(appRoot, DB_FILE_NAME);
  return join(osUserDataDir(), DB_FILE_NAME);
}
