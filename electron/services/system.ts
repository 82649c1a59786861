/** Backends (probed once, off the thread) and the About page. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SerError } from '../shared/errors.js';
import { appVersion } from '../engine/version.js';
import { startWorker } from '../engine/workers/spawn.js';
import type { AboutInfo, BackendInfo, CliInstallResult } from '../contract/types.js';
import { installCliLauncher } from '../engine/cliInstall.js';
import type { ServiceContext } from './context.js';
import type { BackendsWorkerMessage } from './backendsWorker.js';

export class SystemService {
  #backends: Promise<BackendInfo[]> | undefined;
  constructor(private readonly ctx: ServiceContext) {}

  backends(): Promise<BackendInfo[]> {
    this.#backends ??= new Promise<BackendInfo[]>((resolve, reject) => {
      const w = startWorker(import.meta.url, 'backendsWorker');
      w.once('message', (m: BackendsWorkerMessage) => {
        if (m.type === 'backends') resolve(m.backends);
        else reject(new SerError('backend', `probing the backends failed: ${m.error}`));
        void w.terminate();
      });
      w.once('error', (err) => reject(new SerError('backend', `probing the backends failed: ${err.message}`)));
      w.once('exit', (code) => reject(new SerError('backend', `the backend probe exited (code ${code})`)));
    }).catch((err: unknown) => {
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
