/**
 * The headless front door: the built renderer and the API over HTTP (`/api/...`, routes from the contract) plus
 * a WebSocket (`/api/events`) for pushed events. Everything requires the token; Host/Origin are checked on every
 * request and upgrade. Request handling is I/O only: the work happens in the services' workers.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { extname, join, relative, resolve, sep, isAbsolute } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { AUDIO_ROUTE, EVENTS_PATH, routes, TAKE_AUDIO_ROUTE, type HttpVerb } from '../contract/contract.js';
import { METHOD_NAMES, type MethodName } from '../contract/names.js';
import { createRouter, toApiError, type Router } from './router.js';
import { ApiError } from '../shared/errors.js';
import { allowedHostNames, cookieName, hostProblem, newToken, SECURITY_HEADERS, tokenSource } from './security.js';
import type { ApiErrorInfo } from '../contract/types.js';
import type { Services } from '../services/index.js';

export interface ApiServerOptions {
  services: Services;
  /** Folder of the built renderer (index.html + assets). */
  staticDir: string;
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /** Fixed token (tests); default random. */
  token?: string;
}

export interface ApiServer {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly token: string;
  readonly server: Server;
  close(): Promise<void>;
}

const STATUS: Partial<Record<ApiErrorInfo['code'], number>> = {
  'bad-input': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  'db-locked': 503,
  device: 409,
  unsupported: 422,
  unreadable: 422,
  corrupt: 422,
  backend: 422,
  cancelled: 409,
};

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

const MAX_BODY = 1 << 20;
/** Bytes of an oversized body read (and dropped) so the 413 reaches the client; beyond, the connection is closed. */
const DRAIN_LIMIT = 64 << 20;

interface CompiledRoute {
  method: MethodName;
  verb: HttpVerb;
  re: RegExp;
  params: string[];
}

function compileRoutes(): CompiledRoute[] {
  return METHOD_NAMES.map((method) => {
    const { verb, path } = routes[method];
    const params: string[] = [];
    const re = new RegExp(
      '^/api' +
        path.replace(/:([a-zA-Z]+)/g, (_m, name: string) => {
          params.push(name);
          return '([^/]+)';
        }) +
        '$',
    );
    return { method, verb, re, params };
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(data) });
  res.end(data);
}

function sendError(res: ServerResponse, info: ApiErrorInfo): void {
  sendJson(res, STATUS[info.code] ?? 500, info);
}

/** A body over MAX_BODY: answered 413 (Payload Too Large) rather than 400. */
class BodyTooLarge extends ApiError {
  constructor() {
    super({ code: 'bad-input', message: `request body larger than ${MAX_BODY} bytes` });
  }
}

/**
 * Reads a JSON body of at most MAX_BODY bytes. A larger one is read to its end without being kept, then refused
 * with 413: closing the socket mid-upload instead would reach the client as a connection reset, not an answer.
 * Past DRAIN_LIMIT the connection is dropped after all, so nobody can keep the server busy forever.
 */
function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolveBody, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > DRAIN_LIMIT) {
      // Announced too large to be worth draining: refuse at once; the client sees 413 before it uploads much.
      req.resume();
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > DRAIN_LIMIT) req.destroy();
      else if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY) return reject(new BodyTooLarge());
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text.trim()) return resolveBody(undefined);
      try {
        resolveBody(JSON.parse(text));
      } catch {
        reject(new ApiError({ code: 'bad-input', message: 'the request body is not valid JSON' }));
      }
    });
    req.on('error', reject);
    req.on('close', () => reject(new BodyTooLarge()));
  });
}

function serveFile(req: IncomingMessage, res: ServerResponse, path: string, mime: string, cache: string): void {
  const size = statSync(path).size;
  const headers: Record<string, string | number> = { ...SECURITY_HEADERS, 'Content-Type': mime, 'Cache-Control': cache, 'Accept-Ranges': 'bytes' };
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (range && (range[1] || range[2])) {
    let start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
    let end = range[1] && range[2] ? Math.min(size - 1, Number(range[2])) : size - 1;
    if (start >= size || start > end) {
      res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` });
      res.end();
      return;
    }
    start = Math.max(0, start);
    end = Math.max(start, end);
    res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': end - start + 1 });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(path, { start, end }).pipe(res);
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Length': size });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(path).pipe(res);
}

/** What every request of one server is checked and served against. */
interface Site {
  readonly services: Services;
  readonly token: string;
  readonly staticDir: string;
  readonly indexFile: string;
  /** Host names a request may address (Host / Origin), and whether the server listens on every interface. */
  readonly allowed: Set<string>;
  readonly anyHost: boolean;
  readonly router: Router;
  readonly routes: CompiledRoute[];
  /** The port, once listening (the cookie's name and the token check use it). */
  port: number;
}

/** The method's input from a request: a JSON body (POST, PUT) or the query string, plus the path's parameters. */
async function requestInput(req: IncomingMessage, url: URL, route: CompiledRoute, match: RegExpExecArray): Promise<Record<string, unknown> | undefined> {
  let input: Record<string, unknown> = {};
  if (route.verb === 'POST' || route.verb === 'PUT') {
    const body = await readBody(req);
    if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
      throw new ApiError({ code: 'bad-input', message: 'the request body must be a JSON object' });
    }
    input = { ...(body as Record<string, unknown> | undefined) };
  } else {
    for (const [k, v] of url.searchParams) if (k !== 'token') input[k] = v;
  }
  route.params.forEach((name, i) => (input[name] = decodeURIComponent(match[i + 1]!)));
  return Object.keys(input).length === 0 ? undefined : input;
}

/** `/api/…`: a dataset's audio file, a voice session's take, or a contract method through the router (which validates its input). */
async function handleApi(site: Site, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const audio = AUDIO_ROUTE.exec(url.pathname);
  if (audio && (req.method === 'GET' || req.method === 'HEAD')) {
    const { path, mime } = site.services.datasets.resolveFile(Number(audio[1]), Number(audio[2]));
    serveFile(req, res, path, mime, 'private, max-age=3600');
    return;
  }
  const take = TAKE_AUDIO_ROUTE.exec(url.pathname);
  if (take && (req.method === 'GET' || req.method === 'HEAD')) {
    let parts: string[];
    try {
      parts = take.slice(1, 4).map((p) => decodeURIComponent(p));
    } catch {
      throw new ApiError({ code: 'not-found', message: `malformed take address ${url.pathname}` });
    }
    const file = site.services.voice.resolveTake(parts[0]!, parts[1]!, parts[2]!);
    serveFile(req, res, file, 'audio/wav', 'no-store'); // a dropped take's name must not be served from a cache
    return;
  }
  const matches = site.routes.filter((r) => r.re.test(url.pathname));
  if (matches.length === 0) throw new ApiError({ code: 'not-found', message: `no API route ${url.pathname}` });
  const route = matches.find((r) => r.verb === req.method);
  if (!route) {
    res.setHeader('Allow', matches.map((m) => m.verb).join(', '));
    sendJson(res, 405, { code: 'bad-input', message: `${req.method} is not allowed on ${url.pathname}` });
    return;
  }
  const out = await site.router.call(route.method, await requestInput(req, url, route, route.re.exec(url.pathname)!));
  if (out.ok) sendJson(res, 200, out.value ?? null);
  else sendError(res, out.error);
}

/** The built renderer: its files, and index.html for app routes; the first visit with ?token= gets the cookie. */
function handleStatic(site: Site, req: IncomingMessage, res: ServerResponse, url: URL, setCookie: boolean): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError({ code: 'bad-input', message: `${req.method} is not allowed here` });
  let rel: string;
  try {
    rel = decodeURIComponent(url.pathname);
  } catch {
    throw new ApiError({ code: 'bad-input', message: 'malformed path' });
  }
  let file = resolve(site.staticDir, '.' + rel);
  const inside = relative(site.staticDir, file);
  if (inside.startsWith('..') || isAbsolute(inside) || inside.split(sep).includes('..')) throw new ApiError({ code: 'not-found', message: 'not found' });
  const isFile = existsSync(file) && statSync(file).isFile();
  // Unknown paths without an extension are app routes: serve the app.
  if (!isFile) {
    if (extname(rel)) throw new ApiError({ code: 'not-found', message: `${rel} not found` });
    file = site.indexFile;
  }
  if (!existsSync(file)) {
    throw new ApiError({ code: 'not-found', message: `the renderer is not built (${site.indexFile} missing): run npm run build:renderer` });
  }
  if (setCookie) {
    res.setHeader('Set-Cookie', `${cookieName(site.port)}=${encodeURIComponent(site.token)}; HttpOnly; SameSite=Strict; Path=/`);
  }
  const isIndex = file === site.indexFile;
  serveFile(req, res, file, MIME[extname(file)] ?? 'application/octet-stream', isIndex ? 'no-store' : 'public, max-age=31536000, immutable');
}

/** Every HTTP request: Host/Origin and token checked, then the API or the static files; errors answered in the one shape. */
function handleRequest(site: Site): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) =>
    void (async () => {
      try {
        const problem = hostProblem(req, site.allowed, site.anyHost);
        if (problem) throw new ApiError({ code: 'forbidden', message: problem });
        const url = new URL(req.url ?? '/', 'http://localhost');
        const source = tokenSource(req, url, site.token, site.port);
        if (!source) throw new ApiError({ code: 'unauthorized', message: 'missing or wrong token: open the URL `ser serve` printed (it ends with ?token=…)' });
        if (url.pathname === '/api' || url.pathname.startsWith('/api/')) await handleApi(site, req, res, url);
        else handleStatic(site, req, res, url, source === 'query');
      } catch (err) {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (err instanceof BodyTooLarge) {
          sendJson(res, 413, err.toJSON());
          return;
        }
        sendError(res, toApiError(err));
      }
    })();
}

/** The events WebSocket: checked like a request, then fed every bus event until it closes (push-only). */
function handleUpgrade(site: Site, wss: WebSocketServer, sockets: Set<WebSocket>): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== EVENTS_PATH) return refuse(404, 'Not Found');
    if (hostProblem(req, site.allowed, site.anyHost)) return refuse(403, 'Forbidden');
    if (!tokenSource(req, url, site.token, site.port)) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      const unsubscribe = site.services.bus.subscribe((msg) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
      });
      ws.on('close', () => {
        unsubscribe();
        sockets.delete(ws);
      });
      ws.on('error', () => ws.terminate());
      // The socket is push-only; anything the page sends is ignored.
    });
  };
}

export function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const host = opts.host ?? '127.0.0.1';
  const staticDir = resolve(opts.staticDir);
  const site: Site = {
    services: opts.services,
    token: opts.token ?? newToken(),
    staticDir,
    indexFile: join(staticDir, 'index.html'),
    allowed: allowedHostNames(host),
    anyHost: host === '0.0.0.0' || host === '::',
    router: createRouter(opts.services.handlers),
    routes: compileRoutes(),
    port: 0,
  };
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const sockets = new Set<WebSocket>();
  const server = createServer(handleRequest(site));
  server.on('upgrade', handleUpgrade(site, wss, sockets));

  return new Promise((resolveServer, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      const port = (site.port = (server.address() as AddressInfo).port);
      const shownHost = site.anyHost ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
      resolveServer({
        url: `http://${shownHost}:${port}/?token=${site.token}`,
        port,
        host,
        token: site.token,
        server,
        close: () =>
          new Promise<void>((done) => {
            for (const ws of sockets) ws.terminate();
            wss.close();
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
