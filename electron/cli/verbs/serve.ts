/**
 * `ser serve [--port N] [--host 127.0.0.1] [--db path] [--json]`: the app without Electron — the built renderer
 * and the API over HTTP + WebSocket, for a remote GPU box or a browser test. Prints the URL with its token
 * (like Jupyter) and runs until Ctrl-C / SIGTERM, which interrupts any training (resumable) and exits 0.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { SerError } from '../../shared/errors.js';
import { appRoot } from '../../engine/version.js';
import { parseNumber, printJson } from '../output.js';

/** The built renderer (`npm run build:renderer` writes it). */
export function rendererDir(): string {
  return join(appRoot, 'dist', 'renderer');
}

interface ServeOpts {
  port?: string;
  host?: string;
  db?: string;
  json?: boolean;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the app to a browser (headless mode): HTTP + WebSocket on 127.0.0.1, URL with an access token')
    .option('--port <n>', 'port (0 = any free port)', '8765')
    .option('--host <host>', 'interface to bind (default 127.0.0.1; other hosts are also accepted in Host headers)', '127.0.0.1')
    .option('--db <path>', 'experiment database (default: SER_DB or the app default)')
    .option('--json', 'print one JSON line {"url","port","host","token"} instead of the banner')
    .action(async (opts: ServeOpts) => {
      const port = parseNumber('--port', opts.port ?? '8765', { min: 0, max: 65535, integer: true });
      const host = (opts.host ?? '127.0.0.1').trim();
      const staticDir = rendererDir();
      if (!existsSync(join(staticDir, 'index.html'))) {
        throw new SerError('not-found', `${staticDir}: the renderer is not built; run \`npm run build:renderer\` (or \`npm run build\`)`);
      }
      // The API, services and everything behind them load on use, not on every `ser` start.
      const { startApiServer } = await import('../../server/server.js');
      const { createServices } = await import('../../services/index.js');
      const services = createServices({ transport: 'http', ...(opts.db ? { dbPath: opts.db } : {}) });
      let server;
      try {
        server = await startApiServer({ services, staticDir, host, port });
      } catch (err) {
        await services.close();
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new SerError('io', `port ${port} on ${host} is in use; choose another with --port (0 = any free port)`);
        if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new SerError('bad-input', `cannot bind ${host}: not an address of this machine`);
        throw err;
      }
      if (opts.json) printJson({ url: server.url, port: server.port, host: server.host, token: server.token });
      else {
        process.stdout.write(`Vox Affect is serving at\n\n    ${server.url}\n\nOpen that URL in a browser (the token in it is required). Ctrl-C stops.\n`);
        if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
          process.stdout.write(`warning: bound to ${host}; anyone who can reach it and has the token can use the app (plain HTTP).\n`);
        }
      }
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = () => {
          if (stopping) return;
          stopping = true;
          process.stderr.write('stopping: interrupting training (resumable) and closing…\n');
          void Promise.allSettled([server.close(), services.close()]).then(() => resolve());
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
