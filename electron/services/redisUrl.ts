/**
 * A work queue's address, `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS), as the options of the
 * Redis client BullMQ drives (ioredis). The password never leaves this module in anything printed or stored:
 * `queueLabel` is what the sweep records and what messages show.
 */
import { SerError } from '../shared/errors.js';

export interface RedisOptions {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** TLS for rediss://, checking the server's certificate against its host name. */
  tls?: { servername: string };
}

export function redisOptions(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new SerError('bad-input', `a queue is a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0; got '${queueLabel(url)}'`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new SerError('bad-input', `a queue URL starts with redis:// or rediss:// (TLS), got '${u.protocol}//'`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new SerError('bad-input', 'the queue URL names no host');
  const port = u.port ? Number(u.port) : 6379;
  const path = u.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,2}$/.test(path)) throw new SerError('bad-input', `the queue URL's path is a database number (0–15), got '/${path}'`);
  const db = path === '' ? 0 : Number(path);
  if (u.search || u.hash) throw new SerError('bad-input', 'the queue URL takes no query or fragment');
  return {
    host,
    port,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: { servername: host } } : {}),
  };
}

/** The URL without its password (what is stored and shown): `redis://user:***@host:6379/0`. */
export function queueLabel(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}
