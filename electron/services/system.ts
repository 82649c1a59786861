/** Backends (probed once, off the thread) and the About page. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SerError } from '../shared/errors.js';
import { appVersion } from '../engine/version.js';
import { OneShotWorkers } from '../engine/workers/oneShot.js';
import type { AboutInfo, BackendInfo, CliInstallResult } from '../contract/types.js';
import { installCliLauncher } from '../engine/cliInstall.js';
import type { ServiceContext } from './context.js';

export class SystemService {
  #backends: Promise<BackendInfo[]> | undefined;
  constructor(private readonly ctx: ServiceContext) {}

  backends(): Promise<BackendInfo[]> {
    this.#backends ??= new OneShotWorkers(import.meta.url).run<BackendInfo[]>('backendsWorker', { what: 'probing the backends', failCode: 'backend' }).catch((err: unknown) => {
      this.#backends = undefined;
      throw err;
    });
    return this.#backends;
  }

  about(): AboutInfo {
    const shared = process.env.SER_SHARED;
    const dev = shared ? join(shared, 'data', 'ravdess-dev') : null;
    return {
      name: 'Vox Affect',
      version: appVersion,
      dbPath: this.ctx.dbPath,
      dataDir: this.ctx.dataDir,
      recordingsDir: this.ctx.recordingsDir,
      devDataset: dev && existsSync(dev) ? dev : null,
      platform: `${process.platform} ${process.arch}`,
      versions: { node: process.versions.node, ...this.ctx.versions },
      transport: this.ctx.transport,
      canInstallCli: this.ctx.cliLauncher !== undefined,
    };
  }

  /** Writes the `ser` launcher (desktop app only: a browser tab has no app binary to point it at). */
  installCli(): CliInstallResult {
    const l = this.ctx.cliLauncher;
    if (!l) throw new SerError('unsupported', 'installing the ser command is done from the desktop app; in a checkout use `npx ser` (or `npm link`)');
    try {
      return installCliLauncher(l);
    } catch (err) {
      throw new SerError('io', `cannot write the ser command: ${(err as Error).message}`);
    }
  }
}
