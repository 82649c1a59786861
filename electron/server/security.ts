/**
 * The headless server's gatekeeping, kept apart so it can be read (and tested) in one place:
 * - a random token, accepted from `?token=`, `Authorization: Bearer` or the cookie the page sets;
 * - Host and Origin checks against DNS rebinding: a page on evil.example that resolves to 127.0.0.1 sends
 *   `Host: evil.example`, which is refused unless the user named that host with --host;
 * - the Content-Security-Policy every page is served with (the same one the Electron window gets).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // Svelte and Chart.js set element styles from script; inline style attributes are the only inline styling.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** Host names (without port) the server answers to. */
export function allowedHostNames(bindHost: string): Set<string> {
  const names = new Set(LOOPBACK_NAMES);
  const h = bindHost.trim().toLowerCase();
  if (h && h !== '0.0.0.0' && h !== '::') names.add(h.startsWith('[') ? h : h.includes(':') ? `[${h}]` : h);
  return names;
}

/** "127.0.0.1:8080" → "127.0.0.1", "[::1]:80" → "[::1]", "Example.org" → "example.org". */
export function hostNameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

/**
 * Why the request's Host/Origin is refused, or undefined when acceptable. Binding to every interface
 * (0.0.0.0 / ::) accepts any Host: the user chose to be reachable by any name, and the token still applies.
 */
export function hostProblem(req: IncomingMessage, allowed: Set<string>, anyHost: boolean): string | undefined {
  const host = req.headers.host;
  if (!host) return 'the request has no Host header';
  if (!anyHost && !allowed.has(hostNameOf(host))) return `host '${hostNameOf(host)}' is not served here (DNS rebinding protection; start with --host ${hostNameOf(host)} to allow it)`;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let o: URL;
    try {
      o = new URL(origin);
    } catch {
      return `malformed Origin '${origin}'`;
    }
    if (o.host.toLowerCase() !== host.toLowerCase()) return `cross-origin request from ${origin} refused`;
  } else if (origin === 'null') return 'requests from an opaque origin are refused';
  return undefined;
}

export function cookieName(port: number): string {
  // Cookies ignore ports: one name per port keeps two servers on localhost from overwriting each other's token.
  return `vox_token_${port}`;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Where the request's valid token came from, or undefined when it has none (or a wrong one). */
export function tokenSource(req: IncomingMessage, url: URL, token: string, port: number): 'query' | 'header' | 'cookie' | undefined {
  const q = url.searchParams.get('token');
  if (q !== null && same(q, token)) return 'query';
  // The scheme name is case-insensitive (RFC 7235 §2.1): `bearer …` and `BEARER …` are the same header.
  const auth = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '');
  if (auth && same(auth[1]!, token)) return 'header';
  const c = readCookie(req.headers.cookie, cookieName(port));
  if (c !== undefined && same(c, token)) return 'cookie';
  return undefined;
}
