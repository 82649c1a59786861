/**
 * "Tune to my voice" at the HTTP boundary, against real services (SQLite in a temp folder, takes written as the
 * session writes them): the plan, the takes listed with their flags, a take's audio served by (speaker, emotion,
 * name) and nothing else, dropping a take, and tuning refused with one line when the takes cannot be tuned on.
 * Recording itself needs a microphone: the PulseAudio e2e test (test/e2e/voice.test.ts) drives it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../electron/server/server.js';
import { createServices, type Services } from '../../electron/services/index.js';
import { encodeWav16 } from '../../electron/engine/audio/wav.js';
import { takePath, voiceDir } from '../../electron/engine/live/recordings.js';
import { takeAudioPath } from '../../electron/contract/contract.js';

const TOKEN = 'voice-token-0123456789';
let dir: string;
let services: Services;
let server: ApiServer;
let base: string;
const auth = { Authorization: `Bearer ${TOKEN}` };

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${base}${path}`, { method, headers: { ...auth, ...(body ? { 'Content-Type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, body: (res.headers.get('content-type')?.includes('json') ? await res.json() : await res.arrayBuffer()) as Record<string, unknown> & ArrayBuffer };
};

function tone(seconds: number, amp: number, from = 0.5, to = 2.5): Float32Array {
  const x = new Float32Array(Math.round(seconds * 48000));
  for (let i = Math.round(from * 48000); i < Math.round(to * 48000); i++) x[i] = amp * Math.sin((2 * Math.PI * 220 * i) / 48000);
  return x;
}

describe('Tune to my voice over HTTP', () => {
  const names: Record<string, string> = {};
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vox-voice-api-'));
    const dataDir = join(dir, 'data');
    const folder = voiceDir(dataDir, 'ana');
    // Two takes: a good one (happy) and a clipped one (angry); one take of each emotion only.
    const takes: Array<[string, Float32Array]> = [['happy', tone(3, 0.3)], ['angry', tone(3, 3).map((v) => Math.max(-1, Math.min(1, v)))]];
    for (const [emotion, x] of takes) {
      const f = takePath(folder, emotion as 'happy', { speaker: 'ana', date: new Date(2026, 0, 1, 12, 0, 0, emotion.length) });
      mkdirSync(join(folder, emotion), { recursive: true });
      writeFileSync(f, encodeWav16(x, 48000));
      names[emotion] = f.slice(f.lastIndexOf('/') + 1);
    }
    writeFileSync(join(folder, 'happy', 'notes.wav'), 'not a take');
    mkdirSync(join(dir, 'renderer'));
    writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html>');
    services = createServices({ transport: 'http', dbPath: join(dir, 'e.db'), dataDir });
    server = await startApiServer({ services, staticDir: join(dir, 'renderer'), port: 0, token: TOKEN });
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.close();
    await services?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GET /api/voice/:speaker: the plan (8 × takes, statements alternating) and the takes the folder holds, with flags', async () => {
    const r = await call('GET', '/api/voice/ana?takes=2');
    expect(r.status).toBe(200);
    const v = r.body as unknown as { folder: string; plan: Array<{ emotion: string; statement: string; text: string }>; takes: Array<{ emotion: string; name: string; flags: string[]; voicedSeconds: number }> };
    expect(v.folder).toBe(join(dir, 'data', 'recordings', 'voice-ana'));
    expect(v.plan).toHaveLength(16);
    expect(v.plan[3]).toMatchObject({ emotion: 'calm', statement: 'Dogs are sitting by the door', text: 'calm, take 2 of 2: say “Dogs are sitting by the door”, sounding calm' });
    expect(v.takes.map((t) => [t.emotion, t.name, t.flags])).toEqual([
      ['happy', names.happy, []],
      ['angry', names.angry, ['clipped']],
    ].sort((a, b) => (a[1]! < b[1]! ? -1 : 1)));
    expect(v.takes.find((t) => t.emotion === 'happy')!.voicedSeconds).toBeCloseTo(2, 1);
  });

  it('refuses bad speakers and take counts with the schema error', async () => {
    expect((await call('GET', '/api/voice/a.b')).status).toBe(400);
    const r = await call('GET', '/api/voice/ana?takes=0');
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/^voiceSession: takes: /);
  });

  it("serves a take's WAV by (speaker, emotion, name), and nothing outside the speaker's takes", async () => {
    const ok = await call('GET', `/${takeAudioPath('ana', 'happy', names.happy!)}`);
    expect(ok.status).toBe(200);
    expect(Buffer.from(ok.body).subarray(0, 4).toString()).toBe('RIFF');
    for (const bad of [
      `/api/voice/ana/takes/happy/notes.wav/audio`,
      `/api/voice/ana/takes/joy/${names.happy}/audio`,
      `/api/voice/bo/takes/happy/${names.happy}/audio`,
      `/api/voice/ana/takes/happy/..%2F..%2F..%2Fe.db/audio`,
      `/api/voice/..%2Fdata/takes/happy/${names.happy}/audio`,
      `/api/voice/ana/takes/happy/%E0%A4%A/audio`, // not even valid percent-encoding
    ]) {
      const r = await call('GET', bad);
      expect([400, 404], `${bad}: ${r.status}`).toContain(r.status); // refused: a bad speaker name is a 400, anything else not found
    }
    expect((await fetch(`${base}/${takeAudioPath('ana', 'happy', names.happy!)}`)).status).toBe(401); // no token
  });

  it('POST /api/voice/:speaker/tune with one take per emotion: 400, one line naming the folder and the reason; no run', async () => {
    const r = await call('POST', '/api/voice/ana/tune', { epochs: 1 });
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/voice-ana: angry has 1 take\(s\); holding out 1 per emotion leaves none to tune on/);
    expect(String(r.body.message).split('\n')).toHaveLength(1);
    expect(services.ctx.store.runs.list().filter((x) => x.kind === 'tune')).toEqual([]);
    expect((await call('GET', '/api/tune')).body).toMatchObject({ active: null, last: { speaker: 'ana', event: { event: 'failed' } } });
  });

  it('DELETE drops a take; a second delete and a non-take name are 404 / 400', async () => {
    const path = `/api/voice/ana/takes/angry/${names.angry}`;
    expect((await call('DELETE', path)).body).toEqual({ deleted: true });
    expect(existsSync(join(dir, 'data', 'recordings', 'voice-ana', 'angry', names.angry!))).toBe(false);
    expect((await call('DELETE', path)).status).toBe(404);
    expect((await call('DELETE', '/api/voice/ana/takes/happy/notes.wav')).status).toBe(400);
  });
});
