/**
 * The headless server's boundary, over real HTTP and a real WebSocket against real services (SQLite file in a temp
 * folder, real WAVs): token required everywhere, Host/Origin checks, schema rejections with the one error shape,
 * static files with the CSP, audio resolved on the server side only.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startApiServer, type ApiServer } from '../../electron/server/server.js';
import { createServices, type Services } from '../../electron/services/index.js';
import { encodeWav16 } from '../../electron/engine/audio/wav.js';

const TOKEN = 'test-token-0123456789';
let dir: string;
let services: Services;
let server: ApiServer;
let base: string;

/** Raw HTTP (fetch cannot set Host). */
function http(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}
const auth = { Authorization: `Bearer ${TOKEN}` };

function tone(seconds: number, freq: number): Float32Array {
  const x = new Float32Array(Math.round(seconds * 48000));
  for (let i = 0; i < x.length; i++) x[i] = 0.3 * Math.sin((2 * Math.PI * freq * i) / 48000);
  return x;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vox-api-'));
  const staticDir = join(dir, 'renderer');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Vox Affect</title>');
  writeFileSync(join(dir, 'secret.txt'), 'outside the static folder');
  // A tiny RAVDESS-named dataset: 2 actors × 2 emotions.
  for (const actor of ['01', '02']) {
    mkdirSync(join(dir, 'ds', `Actor_${actor}`), { recursive: true });
    for (const emo of ['01', '05']) {
      writeFileSync(join(dir, 'ds', `Actor_${actor}`, `03-01-${emo}-01-01-01-${actor}.wav`), encodeWav16(tone(1.2, 220 * Number(emo)), 48000));
    }
  }
  services = createServices({ transport: 'http', dbPath: join(dir, 'e.db'), dataDir: join(dir, 'data') });
  server = await startApiServer({ services, staticDir, port: 0, token: TOKEN });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.close();
  await services?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('token', () => {
  it('refuses API and page requests without the token with 401 and the error shape', async () => {
    for (const path of ['/api/runs', '/', '/index.html', '/api/about']) {
      const r = await http(path);
      expect(r.status, path).toBe(401);
      expect(JSON.parse(r.body)).toMatchObject({ code: 'unauthorized', message: expect.stringContaining('token') });
    }
    expect((await http('/api/runs', { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await http('/api/runs?token=wrong')).status).toBe(401);
  });

  it('accepts the header, the query, and the cookie the page sets', async () => {
    const h = await http('/api/runs', { headers: auth });
    expect(h.status).toBe(200);
    expect(JSON.parse(h.body)).toEqual([]);
    expect((await http(`/api/runs?token=${TOKEN}`)).status).toBe(200);
    const page = await http(`/?token=${TOKEN}`);
    expect(page.status).toBe(200);
    const cookie = String(page.headers['set-cookie']).split(';')[0]!;
    expect(cookie).toBe(`vox_token_${server.port}=${TOKEN}`);
    expect(String(page.headers['set-cookie'])).toMatch(/HttpOnly/);
    expect(String(page.headers['set-cookie'])).toMatch(/SameSite=Strict/);
    expect((await http('/api/runs', { headers: { Cookie: cookie } })).status).toBe(200);
  });

  it('refuses a WebSocket without the token and streams events with it', async () => {
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => {});
    });
    expect(refused).toBe(401);

    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events?token=${TOKEN}`);
    await new Promise((r) => ws.on('open', r));
    const got = new Promise<unknown>((r) => ws.once('message', (m) => r(JSON.parse(String(m)))));
    services.bus.emit('scan', { root: '/x', done: 1, total: 2, file: 'a.wav' });
    expect(await got).toEqual({ name: 'scan', payload: { root: '/x', done: 1, total: 2, file: 'a.wav' } });
    ws.close();
  });
});

describe('request size and the Authorization header', () => {
  it('answers a 10 MB body with 413 and the error shape, not a connection reset, and keeps serving', async () => {
    const big = `{"root":"${'x'.repeat(10 * 1024 * 1024)}"}`;
    // Chunked (no Content-Length) and with the length declared up front.
    for (const headers of [{ ...auth }, { ...auth, 'Content-Length': String(Buffer.byteLength(big)) }]) {
      const r = await http('/api/datasets/scan', { method: 'POST', headers, body: big });
      expect(r.status).toBe(413);
      expect(JSON.parse(r.body)).toEqual({ code: 'bad-input', message: `request body larger than ${1 << 20} bytes` });
    }
    expect((await http('/api/runs', { headers: auth })).status).toBe(200);
  });

  it('accepts the Bearer scheme in any letter case (RFC 7235), and only with the right token', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect((await http('/api/runs', { headers: { Authorization: `${scheme} ${TOKEN}` } })).status, scheme).toBe(200);
    }
    expect((await http('/api/runs', { headers: { Authorization: `bearer  ${TOKEN} ` } })).status).toBe(200);
    for (const bad of [`bearer wrong`, `Basic ${TOKEN}`, `bearer${TOKEN}`, `bearer ${TOKEN} extra`, TOKEN]) {
      expect((await http('/api/runs', { headers: { Authorization: bad } })).status, bad).toBe(401);
    }
  });
});

describe('DNS rebinding', () => {
  it('refuses foreign Host and Origin headers with 403, accepts loopback names', async () => {
    const evil = await http('/api/runs', { headers: { ...auth, Host: `evil.example:${server.port}` } });
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body).code).toBe('forbidden');
    const origin = await http('/api/runs', { headers: { ...auth, Origin: 'http://evil.example' } });
    expect(origin.status).toBe(403);
    for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, `[::1]:${server.port}`]) {
      expect((await http('/api/runs', { headers: { ...auth, Host: host } })).status, host).toBe(200);
    }
    expect((await http('/api/runs', { headers: { ...auth, Origin: base } })).status).toBe(200);
  });
});

describe('schemas at the boundary', () => {
  it('rejects a bad training request with 400 and every problem listed', async () => {
    const r = await http('/api/training', { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ data: '/x', epochs: -1, batchSize: 8 }) });
    expect(r.status).toBe(400);
    const e = JSON.parse(r.body);
    expect(e.code).toBe('bad-input');
    expect(e.message).toMatch(/epochs/);
    const paths = (e.details.issues as Array<{ path: string[] }>).map((i) => i.path[0]);
    expect(paths).toEqual(expect.arrayContaining(['epochs', 'optimizer', 'learningRate', 'split', 'seed']));
    expect(paths).not.toContain('batchSize');
  });

  it('rejects unknown fields, malformed JSON, bad ids, and wrong verbs', async () => {
    const extra = await http('/api/runs/1/notes', { method: 'PUT', headers: auth, body: JSON.stringify({ notes: 'x', evil: true }) });
    expect(extra.status).toBe(400);
    expect(JSON.parse(extra.body).message).toMatch(/evil/);
    const bad = await http('/api/datasets/scan', { method: 'POST', headers: auth, body: '{not json' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({ code: 'bad-input', message: 'the request body is not valid JSON' });
    expect((await http('/api/runs/abc', { headers: auth })).status).toBe(400);
    const missing = await http('/api/runs/999', { headers: auth });
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ code: 'not-found', message: 'no run with id 999', details: { id: 999 } });
    expect((await http('/api/runs', { method: 'POST', headers: auth, body: '{}' })).status).toBe(405);
    expect((await http('/api/nope', { headers: auth })).status).toBe(404);
    const cmp = await http('/api/compare?ids=1', { headers: auth });
    expect(cmp.status).toBe(400);
    expect(JSON.parse(cmp.body).message).toMatch(/at least two/);
  });
});

describe('static files and audio', () => {
  it('serves the page with the CSP and never a file outside the renderer folder', async () => {
    const r = await http('/index.html', { headers: auth });
    expect(r.status).toBe(200);
    expect(r.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    // An app route falls back to the page; traversal does not escape.
    expect((await http('/runs/3', { headers: auth })).status).toBe(200);
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
      const t = await http(p, { headers: auth });
      expect(t.body, p).not.toContain('outside the static folder');
    }
  });

  it('scans a dataset and plays its files by id, with ranges; unknown ids are 404', async () => {
    const scan = await http('/api/datasets/scan', { method: 'POST', headers: auth, body: JSON.stringify({ root: join(dir, 'ds') }) });
    expect(scan.status).toBe(200);
    const s = JSON.parse(scan.body);
    expect(s.usable).toBe(4);
    expect(s.byEmotion).toMatchObject({ neutral: 2, angry: 2 });
    const files = JSON.parse((await http(`/api/datasets/${s.dataset.id}/files`, { headers: auth })).body) as Array<{ id: number; path: string }>;
    expect(files).toHaveLength(4);
    const a = await http(`/api/datasets/${s.dataset.id}/files/${files[0]!.id}/audio`, { headers: auth });
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('audio/wav');
    const part = await http(`/api/datasets/${s.dataset.id}/files/${files[0]!.id}/audio`, { headers: { ...auth, Range: 'bytes=0-43' } });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toMatch(/^bytes 0-43\//);
    expect((await http(`/api/datasets/${s.dataset.id}/files/99999/audio`, { headers: auth })).status).toBe(404);
    const view = JSON.parse((await http(`/api/datasets/${s.dataset.id}/files/${files[0]!.id}/view`, { headers: auth })).body);
    expect(view.mel.bands).toBe(128);
    expect(Buffer.from(view.mel.base64, 'base64').length).toBe(128 * view.mel.frames);
    expect(view.waveMax.length).toBeGreaterThan(100);
  });

  it('refuses a stored file path that escapes its dataset folder', async () => {
    const d = services.ctx.store.datasets.upsert({
      name: 'evil', root: join(dir, 'ds'), format: 'folders', fingerprint: 'x',
      files: [{ path: '../secret.txt', label: 0, speaker: null, vocalChannel: null, contentHash: null, durationSec: null, problem: null }],
    });
    const f = services.ctx.store.datasets.files(d.id)[0]!;
    const r = await http(`/api/datasets/${d.id}/files/${f.id}/audio`, { headers: auth });
    expect(r.status).toBe(400);
    expect(r.body).not.toContain('outside the static folder');
  });
});

describe("the paper's table", () => {
  it('GET /api/paper-table?ids= returns one labelled row per run, the paper rows and the projection; bad ids fail cleanly', async () => {
    const store = services.ctx.store;
    const r = store.runs.create({ name: 'table', config: {}, split: { kind: 'speaker', trainSpeakers: ['01'], valSpeakers: [], testSpeakers: ['02'] }, status: 'running' });
    store.runs.addEpoch(r.id, { epoch: 0, trainLoss: 1, trainAccuracy: 0.5, durationMs: 2000 });
    store.runs.setStatus(r.id, 'completed');
    const ok = await http(`/api/paper-table?ids=${r.id}`, { headers: auth });
    expect(ok.status).toBe(200);
    const t = JSON.parse(ok.body);
    expect(t.rows).toEqual([expect.objectContaining({ runId: r.id, split: 'speaker', splitLabel: 'speaker-independent', testSpeakers: ['02'], epochs: 1, trainingMs: 2000 })]);
    expect(t.paper).toHaveLength(3);
    expect(t.projection).toEqual([expect.objectContaining({ runId: r.id, epochs1400Ms: 2_800_000 })]);
    expect((await http('/api/paper-table?ids=', { headers: auth })).status).toBe(400);
    const missing = await http(`/api/paper-table?ids=${r.id},999`, { headers: auth });
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).message).toBe('no run with id 999');
  });
});
