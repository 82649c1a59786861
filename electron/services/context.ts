/** What every service shares: where the data lives, the open store, and the event bus. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDataDir } from '../engine/dataDir.js';
import { defaultDbPath, openStore, type Store } from '../engine/store/index.js';
import { EventBus } from './eventBus.js';

export interface ServiceOptions {
  /** Experiment database (default: SER_DB / the app's default). */
  dbPath?: string;
  /** Data folder: feature cache, checkpoints, models, recordings (default: SER_DATA_DIR / the app's default). */
  dataDir?: string;
  /** Which front door runs the services (reported by `about`). */
  transport: 'ipc' | 'http';
  /** Extra version strings for `about` (electron, chrome). */
  versions?: Record<string, string>;
  /**
   * The desktop app's executable and its bundled bin/ser.js: lets `installCli` write a `ser` launcher
   * (ELECTRON_RUN_AS_NODE). Absent in headless mode, where `npx ser` / the checkout's bin is the command.
   */
  cliLauncher?: { execPath: string; serScript: string; targetDir?: string };
}

export interface ServiceContext {
  readonly dbPath: string;
  readonly dataDir: string;
  readonly recordingsDir: string;
  readonly store: Store;
  readonly bus: EventBus;
  readonly transport: 'ipc' | 'http';
  readonly versions: Record<string, string>;
  readonly cliLauncher: ServiceOptions['cliLauncher'];
}

export function createContext(opts: ServiceOptions): ServiceContext {
  const dbPath = opts.dbPath ?? defaultDbPath();
  const dataDir = opts.dataDir ?? defaultDataDir();
  mkdirSync(dataDir, { recursive: true });
  const store = openStore(dbPath, { clientName: `vox-affect ${opts.transport === 'ipc' ? 'app' : 'ser serve'}` });
  return {
    dbPath: store.path,
    dataDir,
    recordingsDir: join(dataDir, 'recordings'),
    store,
    bus: new EventBus(),
    transport: opts.transport,
    versions: opts.versions ?? {},
    cliLauncher: opts.cliLauncher,
  };
}
