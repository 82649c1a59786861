/**
 * The headless front door: the built renderer and the API over HTTP (`/api/...`, routes from the contract) plus
 * a WebSocket (`/api/events`) for pushed events. Everything requires the token; Host/Origin are checked on every
 * request and upgrade. Request handling is I/O only: the work happens in the services' workers.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, relative, resolve, sep, isAbsolute } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { AUDIO_ROUTE, EVENTS_PATH, routes, type HttpVerb } from '../contract/contract.js';
import { METHOD_NAMES, type MethodName } from '../contract/names.js';
import { createRouter, toApiError } from './router.js';
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

export function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const { services } = opts;
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? newToken();
  const staticDir = resolve(opts.staticDir);
  const allowed = allowedHostNames(host);
  const anyHost = host === '0.0.0.0' || host === '::';
  const router = createRouter(services.handlers);
  const compiled = compileRoutes();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const sockets = new Set<WebSocket>();
  let port = 0;

  const indexFile = join(staticDir, 'index.html');

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const audio = AUDIO_ROUTE.exec(url.pathname);
    if (audio && (req.method === 'GET' || req.method === 'HEAD')) {
      const { path, mime } = services.datasets.resolveFile(Number(audio[1]), Number(audio[2]));
      serveFile(req, res, path, mime, 'private, max-age=3600');
      return;
    }
    const matches = compiled.filter((r) => r.re.test(url.pathname));
    if (matches.length === 0) throw new ApiError({ code: 'not-found', message: `no API route ${url.pathname}` });
    const route = matches.find((r) => r.verb === req.method);
    if (!route) {
      res.setHeader('Allow', matches.map((m) => m.verb).join(', '));
      sendJson(res, 405, { code: 'bad-input', message: `${req.method} is not allowed on ${url.pathname}` });
      return;
    }
    const m = route.re.exec(url.pathname)!;
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
    route.params.forEach((name, i) => (input[name] = decodeURIComponent(m[i + 1]!)));
    const raw = Object.keys(input).length === 0 ? undefined : input;
    const out = await router.call(route.method, raw);
    if (out.ok) sendJson(res, 200, out.value ?? null);
    else sendError(res, out.error);
  }

  function handleStatic(req: IncomingMessage, res: ServerResponse, url: URL, setCookie: boolean): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError({ code: 'bad-input', message: `${req.method} is not allowed here` });
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      throw new ApiError({ code: 'bad-input', message: 'malformed path' });
    }
    let file = resolve(staticDir, '.' + rel);
    const inside = relative(staticDir, file);
    if (inside.startsWith('..') || isAbsolute(inside) || inside.split(sep).includes('..')) throw new ApiError({ code: 'not-found', message: 'not found' });
    const isFile = existsSync(file) && statSync(file).isFile();
    // Unknown paths without an extension are app routes: serve the app.
    if (!isFile) {
      if (extname(rel)) throw new ApiError({ code: 'not-found', message: `${rel} not found` });
      file = indexFile;
    }
    if (!existsSync(file)) {
      throw new ApiError({ code: 'not-found', message: `the renderer is not built (${indexFile} missing): run npm run build:renderer` });
    }
    if (setCookie) {
      res.setHeader('Set-Cookie', `${cookieName(port)}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
    }
    const isIndex = file === indexFile;
    serveFile(req, res, file, MIME[extname(file)] ?? 'application/octet-stream', isIndex ? 'no-store' : 'public, max-age=31536000, immutable');
  }

  const server = createServer((req, res) => {
    void (async () => {
      try {
        const problem = hostProblem(req, allowed, anyHost);
        if (problem) throw new ApiError({ code: 'forbidden', message: problem });
        const url = new URL(req.url ?? '/', 'http://localhost');
        const source = tokenSource(req, url, token, port);
        if (!source) throw new ApiError({ code: 'unauthorized', message: 'missing or wrong token: open the URL `ser serve` printed (it ends with ?token=…)' });
        if (url.pathname === '/api' || url.pathname.startsWith('/api/')) await handleApi(req, res, url);
        else handleStatic(req, res, url, source === 'query');
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
  });

  server.on('upgrade', (req, socket, head) => {
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== EVENTS_PATH) return refuse(404, 'Not Found');
    if (hostProblem(req, allowed, anyHost)) return refuse(403, 'Forbidden');
    if (!tokenSource(req, url, token, port)) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      const unsubscribe = services.bus.subscribe((msg) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
      });
      ws.on('close', () => {
        unsubscribe();
        sockets.delete(ws);
      });
      ws.on('error', () => ws.terminate());
      // The socket is push-only; anything the page sends is ignored.
    });
  });

  return new Promise((resolveServer, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      port = (server.address() as AddressInfo).port;
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
      resolveServer({
        url: `http://${shownHost}:${port}/?token=${token}`,
        port,
        host,
        token,
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
