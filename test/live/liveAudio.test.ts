/**
 * The live path end to end with real audio, no mocks: a tiny model trained for real, a private PulseAudio null sink
 * (`vmic`, its monitor the default source), speech and RAVDESS clips played into it with paplay, naudiodon capture
 * in its process, the streaming classifier's worker thread, and `ser live` as a user runs it.
 */
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClip } from '../../electron/engine/audio/load.js';
import { EMOTIONS } from '../../electron/shared/labels.js';
import { StreamingClassifier, type LiveEvent } from '../../electron/engine/live/streamingClassifier.js';
import { WindowClassifier } from '../../electron/engine/live/windowClassifier.js';
import { openStore } from '../../electron/engine/store/index.js';
import { classifyFiles, loadExportedModel, type ExportedModel } from '../../electron/engine/training/exported.js';
import { startCapture, type CaptureSession } from '../../native/audio/capture.js';
import { selectBackend } from '../../native/tf/backends.js';
import { espeakSkipReason, pulseSkipReason, startPulse, synthSpeech, type PulseServer } from '../helpers/pulse.js';
import { repoRoot, runSer, serBin, sharedDir, sharedSkipReason } from '../helpers/ser.js';
import { trainTinyModel, type TinyModel } from './helpers.js';

const RATE = 48_000;
const audioSkip = pulseSkipReason ?? espeakSkipReason;
if (!sharedDir) console.warn(`live tests skipped: ${sharedSkipReason}`);
else if (audioSkip) console.warn(`live real-audio tests skipped: ${audioSkip}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFrames(c: CaptureSession, frames: number, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (c.frames < frames) {
    if (Date.now() > until) throw new Error(`capture reached only ${c.frames} of ${frames} frames`);
    await sleep(20);
  }
}

/** All blocks of a capture joined (frame 0 = capture start). */
function recordAll(c: CaptureSession): () => Float32Array {
  const parts: Float32Array[] = [];
  c.onBlock((b) => parts.push(b.samples.slice()));
  return () => {
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
}

function firstAbove(x: Float32Array, level: number): number {
  for (let i = 0; i < x.length; i++) if (Math.abs(x[i]!) > level) return i;
  return -1;
}
function lastAbove(x: Float32Array, level: number): number {
  for (let i = x.length - 1; i >= 0; i--) if (Math.abs(x[i]!) > level) return i;
  return -1;
}

function argmax(p: ArrayLike<number>): number {
  let b = 0;
  for (let i = 1; i < p.length; i++) if (p[i]! > p[b]!) b = i;
  return b;
}

/** Runs `ser live …` and resolves with its output; `onStderr` sees stderr as it comes. */
function serLive(args: string[], env: NodeJS.ProcessEnv, onStderr?: (all: string) => void, onStdout?: (all: string) => void) {
  const child = spawn(process.execPath, [serBin, 'live', ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    onStdout?.(stdout);
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    onStderr?.(stderr);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const done = new Promise<{ code: number; stdout: string; stderr: string; exitedAt: number }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, exitedAt: performance.now() });
    });
  });
  return { child, done };
}

describe.skipIf(!sharedDir)('live emotion (tiny model trained for real)', () => {
  let tiny: TinyModel;
  let model: ExportedModel;

  beforeAll(async () => {
    tiny = await trainTinyModel();
    await selectBackend({ backend: 'wasm' });
    model = await loadExportedModel(tiny.modelDir);
  }, 240_000);
  afterAll(async () => {
    model?.dispose();
    if (tiny) await rm(tiny.dir, { recursive: true, force: true });
  });

  it('a live window is featurised exactly as training: the file window at the offset gives ser classify’s probabilities', async () => {
    const file = join(sharedDir!, 'data', 'ravdess-dev', 'Actor_03', '03-01-05-02-01-01-03.wav');
    const [ref] = await classifyFiles(model, [file]);
    const clip = await loadClip(file, { sampleRate: RATE, offset: model.metadata.featureConfig.offset, duration: 3 });
    const wc = new WindowClassifier(model, { thresholdDbfs: -120, minVoicedFraction: 0 });
    const r = wc.classify(clip.samples);
    expect(r.voiced).toBe(true);
    EMOTIONS.forEach((e, i) => expect(r.probs![i]).toBeCloseTo(ref!.probs[e], 6));
    // Digital silence never reaches the model.
    const silent = new WindowClassifier(model).classify(new Float32Array(wc.windowFrames));
    expect(silent).toMatchObject({ voiced: false, probs: null, rms: 0, voicedFraction: 0 });
  });

  describe.skipIf(!!audioSkip)('through a PulseAudio loop', () => {
    let pulse: PulseServer;
    let speechWav: string;

    beforeAll(async () => {
      pulse = await startPulse();
      speechWav = join(pulse.dir, 'speech.wav');
      await synthSpeech('The quick brown fox jumps over the lazy dog, and then it runs far away into the woods.', speechWav);
    });
    afterAll(async () => {
      await pulse?.stop();
    });

    it('emits voiced windows while speech plays and silence before and after, with real latencies', async () => {
      const sc = await StreamingClassifier.start({ modelDir: tiny.modelDir, hopSeconds: 0.25, backend: 'wasm' });
      const capture = await startCapture({ env: pulse.env });
      const audio = recordAll(capture);
      const events: LiveEvent[] = [];
      sc.onEvent((e) => events.push(e));
      sc.attach(capture);
      await waitFrames(capture, 3.6 * RATE); // a few windows of pure silence first
      await pulse.play(speechWav);
      const afterPlay = capture.frames;
      await waitFrames(capture, afterPlay + 3.8 * RATE); // until windows hold no speech any more
      await capture.stop();
      await sc.idle();
      await sc.close();

      const x = audio();
      const s0 = firstAbove(x, 1e-3);
      const s1 = lastAbove(x, 1e-3);
      expect(s0).toBeGreaterThan(3 * RATE);
      expect((s1 - s0) / RATE).toBeGreaterThan(2); // the sentence lasts ≈ 4–5 s
      expect(sc.stats.dropped).toBe(0);
      expect(events.length).toBeGreaterThan(20);
      events.forEach((e, i) => {
        expect(e.frame).toBe(3 * RATE + i * 0.25 * RATE);
        expect(e.t).toBeCloseTo(e.frame / RATE, 9);
        expect(e.latencyMs).toBeGreaterThan(0);
        expect(e.latencyMs).toBeLessThan(2000);
      });
      const overlap = (e: LiveEvent) => Math.max(0, Math.min(e.frame, s1) - Math.max(e.frame - 3 * RATE, s0)) / RATE;
      const outside = events.filter((e) => overlap(e) === 0 && (e.frame < s0 - 0.05 * RATE || e.frame - 3 * RATE > s1 + 0.05 * RATE));
      const inside = events.filter((e) => overlap(e) >= 1);
      expect(outside.filter((e) => e.frame < s0).length).toBeGreaterThanOrEqual(2);
      expect(outside.filter((e) => e.frame > s1).length).toBeGreaterThanOrEqual(2);
      expect(inside.length).toBeGreaterThanOrEqual(4);
      for (const e of outside) expect(e).toMatchObject({ top: 'silence', voiced: false, raw: null, confidence: 0 });
      for (const e of inside) {
        expect(e.voiced).toBe(true);
        expect(EMOTIONS).toContain(e.top);
        expect(e.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
        expect(e.confidence).toBe(Math.max(...e.probs));
        expect(e.inferenceMs).toBeGreaterThan(0);
        expect(e.featuresMs).toBeGreaterThan(0);
      }
    });

    it('a RAVDESS clip played through the loop gets ser classify’s top emotion on the window aligned to the clip', async () => {
      // Unseen speakers; the clip where the tiny model is most decided (largest top-1 − top-2 margin), so that a
      // resampling round trip (48 k file → 44.1 k sink → 48 k capture) cannot flip a near tie.
      const { readdir } = await import('node:fs/promises');
      const dir = join(sharedDir!, 'data', 'ravdess-dev', 'Actor_03');
      const files = (await readdir(dir)).filter((f) => f.endsWith('.wav')).sort().slice(0, 24).map((f) => join(dir, f));
      const r = await runSer(['classify', '--model', tiny.modelDir, '--json', ...files], { env: tiny.env });
      expect(r.code).toBe(0);
      const refs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; top: string; probs: Record<string, number> });
      const margin = (p: Record<string, number>) => {
        const v = Object.values(p).sort((a, b) => b - a);
        return v[0]! - v[1]!;
      };
      const ref = refs.reduce((a, b) => (margin(b.probs) > margin(a.probs) ? b : a));

      const sc = await StreamingClassifier.start({ modelDir: tiny.modelDir, hopSeconds: 0.1, backend: 'wasm', smoothing: { method: 'none' } });
      const capture = await startCapture({ env: pulse.env });
      const audio = recordAll(capture);
      const events: LiveEvent[] = [];
      sc.onEvent((e) => events.push(e));
      sc.attach(capture);
      await waitFrames(capture, 0.5 * RATE);
      await pulse.play(ref.file);
      const afterPlay = capture.frames;
      await waitFrames(capture, Math.max(afterPlay + 0.5 * RATE, 4.5 * RATE));
      await capture.stop();
      await sc.idle();
      await sc.close();

      // Align: the null sink is digital silence until the clip starts; the file's own leading zeros are subtracted.
      const x = audio();
      const file = await loadClip(ref.file, { sampleRate: RATE, offset: 0, duration: 10 });
      const lead = firstAbove(file.samples, 1e-6);
      const onset = firstAbove(x, 1e-6) - lead;
      expect(onset).toBeGreaterThan(0);
      const start = onset + Math.round(model.metadata.featureConfig.offset * RATE);
      const window = x.slice(start, start + 3 * RATE);
      expect(window.length).toBe(3 * RATE);

      const wc = new WindowClassifier(model);
      const probs = wc.infer(wc.features(window));
      const refProbs = EMOTIONS.map((e) => ref.probs[e]);
      expect(EMOTIONS[argmax(probs)]).toBe(ref.top);
      // The loop's resampling changes the audio slightly, not the model's view of it.
      for (let i = 0; i < 8; i++) expect(Math.abs(probs[i]! - refProbs[i]!)).toBeLessThan(0.02);

      // The streaming classifier's own window nearest that one (hop 0.1 s ⇒ ≤ 50 ms away) agrees too.
      const alignedEnd = start + 3 * RATE;
      const nearest = events.reduce((a, b) => (Math.abs(b.frame - alignedEnd) < Math.abs(a.frame - alignedEnd) ? b : a));
      expect(Math.abs(nearest.frame - alignedEnd)).toBeLessThanOrEqual(0.1 * RATE);
      expect(nearest.voiced).toBe(true);
      expect(nearest.top).toBe(ref.top);
    });

    it('ser live --json --seconds 5 --save prints events with real latencies and stores the session', async () => {
      let played: Promise<void> | undefined;
      const run = serLive(['--model', String(tiny.runId), '--db', tiny.db, '--json', '--seconds', '5', '--save'], { ...pulse.env, ...tiny.env }, (err) => {
        if (!played && err.includes('listening on')) played = pulse.play(speechWav);
      });
      const res = await run.done;
      await played;
      expect(res.code, res.stderr).toBe(0);
      const events = res.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown> & { t: number; latencyMs: number; voiced: boolean; top: string; probs: Record<string, number> });
      expect(events.map((e) => e.t)).toEqual([3, 3.5, 4, 4.5, 5]);
      for (const e of events) {
        expect(Object.keys(e).sort()).toEqual(['confidence', 'featuresMs', 'inferenceMs', 'latencyMs', 'probs', 'rms', 't', 'top', 'voiced', 'voicedFraction']);
        expect(e.latencyMs).toBeGreaterThan(0);
        expect(e.latencyMs).toBeLessThan(1000);
        expect(Object.keys(e.probs)).toEqual([...EMOTIONS]);
      }
      const voiced = events.filter((e) => e.voiced);
      expect(voiced.length).toBeGreaterThan(0);
      for (const e of voiced) expect(EMOTIONS).toContain(e.top);
      expect(res.stderr).toMatch(/saved as live session (\d+)/);
      const id = Number(/saved as live session (\d+)/.exec(res.stderr)![1]);
      const store = openStore(tiny.db, { mustExist: true });
      try {
        const s = store.live.getSession(id)!;
        expect(s).toMatchObject({ runId: tiny.runId, device: 'default', predictionCount: 5 });
        expect(s.endedAt).not.toBeNull();
        const stored = store.live.predictions(id);
        expect(stored.map((p) => p.t)).toEqual([3, 3.5, 4, 4.5, 5]);
        expect(stored.map((p) => p.voiced)).toEqual(events.map((e) => e.voiced));
        stored.forEach((p, i) => expect(p.latencyMs).toBeCloseTo(events[i]!.latencyMs, 1));
      } finally {
        store.close();
      }
    });

    // Kills this file's PulseAudio: must stay last.
    it('ends ser live within 2 s with exit 1 and a clear message when the sound server dies (unplug)', async () => {
      let killedAt = 0;
      const run = serLive(['--model', tiny.modelDir, '--json'], pulse.env, undefined, (out) => {
        if (!killedAt && out.includes('\n')) {
          killedAt = performance.now();
          void pulse.kill9();
        }
      });
      const res = await run.done;
      expect(killedAt).toBeGreaterThan(0);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/^ser: input device stopped delivering audio \(unplugged\? sound server stopped\?\); live stopped after [\d.]+ s heard/m);
      expect(res.exitedAt - killedAt).toBeLessThan(2000);
    });
  });
});
