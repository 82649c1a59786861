/**
 * "Keep this session" through the API, with the real thing: a tiny model trained for real, a private PulseAudio
 * loop playing a RAVDESS clip into the default source, naudiodon capture in its process, the streaming classifier
 * on its worker thread, the headless server over HTTP, and the SQLite store. A kept session's predictions are
 * exactly the ones pushed to the client; an un-kept one leaves nothing behind; keeping after the stop still works.
 */
import { readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startApiServer, type ApiServer } from '../../electron/server/server.js';
import { createServices, type Services } from '../../electron/services/index.js';
import type { ApiEvents, LiveKeepResult, LiveSessionDetail, LiveSessionRow, RecordingResult } from '../../electron/contract/types.js';
import { parseTakeStem } from '../../electron/engine/dataset/formats.js';
import { pulseSkipReason, startPulse, type PulseServer } from '../helpers/pulse.js';
import { sharedDir, sharedSkipReason } from '../helpers/ser.js';
import { trainTinyModel, type TinyModel } from '../live/helpers.js';

const TOKEN = 'live-sessions-token-0123';
const skip = sharedDir ? pulseSkipReason : sharedSkipReason;
if (skip) console.warn(`live session API tests skipped: ${skip}`);

type Prediction = Extract<ApiEvents['live'], { kind: 'prediction' }>;

describe.skipIf(!!skip)('live sessions kept through the API', () => {
  let tiny: TinyModel;
  let pulse: PulseServer;
  let services: Services;
  let server: ApiServer;
  let ws: WebSocket;
  let clip: string;
  const predictions: Prediction[] = [];
  const savedEnv: Record<string, string | undefined> = {};

  async function api<T>(verb: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`http://127.0.0.1:${server.port}/api${path}`, {
      method: verb,
      headers: { Authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  /** Listens with the tiny model while the clip plays, until at least `min` predictions arrived; then stops. */
  async function listen(keep: boolean | undefined, min: number): Promise<Prediction[]> {
    predictions.length = 0;
    const start = await api<{ classifier: boolean }>('POST', '/live/start', { runId: tiny.runId, ...(keep === undefined ? {} : { keep }) });
    expect(start.status).toBe(200);
    expect(start.body.classifier).toBe(true);
    const until = Date.now() + 30_000;
    while (predictions.length < min) {
      if (Date.now() > until) throw new Error(`only ${predictions.length} predictions arrived`);
      await pulse.play(clip);
    }
    expect((await api('POST', '/live/stop', {})).status).toBe(200);
    // The stop is acknowledged after capture and classifier closed: no prediction arrives after it.
    await new Promise((r) => setTimeout(r, 200));
    return [...predictions];
  }

  beforeAll(async () => {
    tiny = await trainTinyModel();
    pulse = await startPulse();
    // The capture process the service spawns inherits this process's environment: point it at the private server.
    for (const k of ['HOME', 'XDG_RUNTIME_DIR', 'PULSE_RUNTIME_PATH', 'PULSE_SERVER', 'JACK_NO_START_SERVER']) {
      savedEnv[k] = process.env[k];
      process.env[k] = pulse.env[k];
    }
    services = createServices({ transport: 'http', dbPath: tiny.db, dataDir: tiny.env.SER_DATA_DIR! });
    server = await startApiServer({ services, staticDir: tiny.dir, port: 0, token: TOKEN });
    ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events?token=${TOKEN}`);
    ws.on('message', (m) => {
      const msg = JSON.parse(String(m)) as { name: string; payload: ApiEvents['live'] };
      if (msg.name === 'live' && msg.payload.kind === 'prediction') predictions.push(msg.payload);
    });
    await new Promise((r) => ws.on('open', r));
    const actor = join(sharedDir!, 'data', 'ravdess-dev', 'Actor_01');
    clip = join(actor, readdirSync(actor).find((f) => f.startsWith('03-01-05'))!);
  }, 240_000);

  afterAll(async () => {
    ws?.close();
    await server?.close();
    await services?.close();
    await pulse?.stop();
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    if (tiny) await rm(tiny.dir, { recursive: true, force: true });
  });

  it('refuses to keep before any session, with the error shape', async () => {
    const r = await api<{ code: string; message: string }>('PUT', '/live/keep', { keep: true });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'bad-input', message: expect.stringContaining('start listening') });
    expect((await api('PUT', '/live/keep', { keep: 'yes' })).status).toBe(400);
  });

  it('a session started with keep stores exactly the predictions pushed to the client', async () => {
    const seen = await listen(true, 4);
    const list = await api<LiveSessionRow[]>('GET', '/live/sessions');
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(1);
    const row = list.body[0]!;
    expect(row).toMatchObject({ runId: tiny.runId, predictionCount: seen.length, current: false });
    expect(row.endedAt).not.toBeNull();
    expect(Date.parse(row.endedAt!)).toBeGreaterThanOrEqual(Date.parse(row.startedAt));
    const detail = await api<LiveSessionDetail>('GET', `/live/sessions/${row.id}`);
    expect(detail.body.predictions.map((p) => p.t)).toEqual(seen.map((p) => p.t));
    expect(detail.body.predictions.map((p) => p.top)).toEqual(seen.map((p) => (p.voiced ? p.top : 'silence')));
    detail.body.predictions.forEach((p, i) => p.probs.forEach((v, j) => expect(v).toBeCloseTo(seen[i]!.probs[j]!, 9)));
  }, 90_000);

  it('an un-kept session stores nothing, can still be kept after the stop, and deleted', async () => {
    const before = (await api<LiveSessionRow[]>('GET', '/live/sessions')).body.length;
    const seen = await listen(undefined, 2);
    expect((await api<LiveSessionRow[]>('GET', '/live/sessions')).body).toHaveLength(before);

    const kept = await api<LiveKeepResult>('PUT', '/live/keep', { keep: true });
    expect(kept.body).toMatchObject({ kept: true, predictions: seen.length });
    const id = kept.body.sessionId!;
    const detail = await api<LiveSessionDetail>('GET', `/live/sessions/${id}`);
    expect(detail.body.predictions.map((p) => p.t)).toEqual(seen.map((p) => p.t));
    expect(detail.body.session.endedAt).not.toBeNull();

    // The toggle flips back: un-keeping removes the row and its predictions.
    expect((await api<LiveKeepResult>('PUT', '/live/keep', { keep: false })).body).toMatchObject({ kept: false, sessionId: null });
    expect((await api('GET', `/live/sessions/${id}`)).status).toBe(404);
    expect((await api<LiveSessionRow[]>('GET', '/live/sessions')).body).toHaveLength(before);

    const first = (await api<LiveSessionRow[]>('GET', '/live/sessions')).body[0]!;
    expect((await api('DELETE', `/live/sessions/${first.id}`)).body).toEqual({ deleted: true });
    expect((await api<LiveSessionRow[]>('GET', '/live/sessions')).body).toHaveLength(before - 1);
    expect((await api<{ code: string }>('DELETE', `/live/sessions/${first.id}`)).body).toMatchObject({ code: 'not-found' });
  }, 90_000);

  it('Record and label saves a take named as `ser record --label --speaker` names it, speaker included; a bad speaker is refused', async () => {
    const bad = await api<{ code: string; message: string }>('POST', '/recordings', { seconds: 1, label: 'happy', speaker: '../ana' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('bad-input');
    const playing = pulse.play(clip);
    const r = await api<RecordingResult>('POST', '/recordings', { seconds: 1, label: 'happy', speaker: 'ana' });
    await playing;
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ label: 'happy', speaker: 'ana', datasetRoot: join(tiny.env.SER_DATA_DIR!, 'recordings') });
    expect(dirname(r.body.path)).toBe(join(r.body.datasetRoot, 'happy'));
    const stem = basename(r.body.path, '.wav');
    expect(parseTakeStem(stem)).toEqual({ speaker: 'ana' }); // what the folder-per-label scanner reads
    expect(statSync(r.body.path).size).toBeGreaterThan(44 + 0.9 * 48_000 * 2); // ≈ 1 s of 16-bit 48 kHz mono
    const anonymous = await api<RecordingResult>('POST', '/recordings', { seconds: 1, label: 'sad' });
    expect(anonymous.body.speaker).toBeNull();
    expect(parseTakeStem(basename(anonymous.body.path, '.wav'))).toEqual({});
  }, 60_000);
});
