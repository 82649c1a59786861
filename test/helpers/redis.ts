/**
 * A private redis-server for the work-queue tests: on a random free localhost port, no persistence, stopped by the
 * test. `redisSkipReason` says why queue tests cannot run here (no redis-server, or no ioredis for BullMQ).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

const ioredisName = 'ioredis';
const hasIoredis = await import(ioredisName).then(
  () => true,
  () => false,
);
const hasRedis = spawnSync('redis-server', ['--version']).status === 0;

export const redisSkipReason: string | undefined = !hasRedis
  ? 'redis-server is not installed (apt-get install redis-server)'
  : !hasIoredis
    ? "the ioredis package is not installed (BullMQ 6's Redis client, an optional peer dependency): npm install ioredis"
    : undefined;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Polls `cond` every 100 ms; throws naming `what` after `ms`. */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface RedisServer {
  /** `redis://127.0.0.1:<port>/0`, what `--queue` takes. */
  url: string;
  stop(): void;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await until(() => spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout?.toString().includes('PONG') ?? false, 10_000, 'redis-server');
  return { url: `redis://127.0.0.1:${port}/0`, stop: () => void child.kill('SIGTERM') };
}
