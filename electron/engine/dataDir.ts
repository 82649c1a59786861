/**
 * Where the app keeps bulky derived data (the feature cache, exported models, recordings):
 * `SER_DATA_DIR`, else beside the database's default home — `<repo>/.data` in a checkout,
 * `<userData>/data` in the packaged app or an installed CLI.
 */
import { dirname, join } from 'node:path';
import { defaultDbPath, runningFromCheckout } from './store/dbPath.js';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.SER_DATA_DIR?.trim();
  if (fromEnv) return fromEnv;
  const home = dirname(defaultDbPath({}));
  return join(home, runningFromCheckout() ? '.data' : 'data');
}
