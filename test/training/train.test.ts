/**
 * The training engine for real: `ser train` on generated audio and on the RAVDESS dev subset, with a real SQLite
 * file, the wasm backend, checkpoints, SIGKILL and resume.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runSer, serBin, repoRoot, sharedDir, sharedSkipReason } from '../helpers/ser.js';
import { textureDataset } from '../helpers/toneDataset.js';

const tmp = mkdtempSync(join(tmpdir(), 'ser-train-'));
const data = join(tmp, 'texture');
const db = join(tmp, 'experiments.db');
const env = { SER_DATA_DIR: join(tmp, 'data') };
const MODEL = '{"filters":[8,8,16,16],"lstmUnits":16,"convDropout":0.1}';
const common = ['--data', data, '--split', 'speaker', '--test-speakers', '5', '--val-speakers', '4', '--batch-size', '4', '--augment-copies', '0', '--optimizer', 'adam', '--lr', '0.01', '--model', MODEL, '--db', db, '--json'];

type Ev = Record<string, unknown> & { event: string };
const events = (stdout: string): Ev[] => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);

beforeAll(() => {
  textureDataset(data, 5, 4);
});

describe('ser train on a separable generated set', () => {
  let evs: Ev[] = [];
  let runId = 0;
  beforeAll(async () => {
    const r = await runSer(['train', ...common, '--epochs', '12', '--name', 'texture-12'], { env, timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    evs = events(r.stdout);
    runId = evs.at(-1)!.runId as number;
  }, 300_000);

  it('emits started → epochs → finished, the last line being the contract object', () => {
    expect(evs[0]!.event).toBe('preparing');
    expect(evs.find((e) => e.event === 'started')).toMatchObject({ backend: 'wasm', trainSize: 48, valSize: 16, testSize: 16, epochs: 12 });
    expect(evs.filter((e) => e.event === 'epoch')).toHaveLength(12);
    const last = evs.at(-1)!;
    expect(last).toMatchObject({ event: 'finished', runId: expect.any(Number), testAccuracy: expect.any(Number), uar: expect.any(Number) });
  });

  it('learns: the loss falls and test accuracy is far above chance (25 %)', () => {
    const ep = evs.filter((e) => e.event === 'epoch');
    expect(ep.at(-1)!.trainLoss as number).toBeLessThan(0.6 * (ep[0]!.trainLoss as number));
    expect(evs.at(-1)!.testAccuracy as number).toBeGreaterThanOrEqual(0.5);
  });

  it('keeps tfjs memory flat across epochs (no tensor leaks)', () => {
    const counts = evs.filter((e) => e.event === 'epoch').map((e) => e.tensors as number);
    expect(new Set(counts.slice(1)).size).toBe(1);
  });

  it('records the run, every epoch and the evaluations in the database', async () => {
    const r = await runSer(['runs', 'show', String(runId), '--json', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout);
    expect(run.status).toBe('completed');
    expect(run.epochs).toHaveLength(12);
    expect(run.backend).toBe('wasm');
    expect(run.seed).toBe(42);
    expect(run.datasetFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(run.split).toMatchObject({ kind: 'speaker', testSpeakers: ['05'], valSpeakers: ['04'] });
    expect(run.config).toMatchObject({ epochs: 12, batchSize: 4, optimizer: 'adam' });
    expect(run.appVersion).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('`ser eval` prints the metrics contract', async () => {
    const r = await runSer(['eval', String(runId), '--json', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout);
    for (const k of ['accuracy', 'uar', 'macroF1', 'labels', 'confusion', 'perClass']) expect(o).toHaveProperty(k);
    expect(o.labels).toHaveLength(8);
    expect(o.confusion).toHaveLength(8);
    expect(o.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(16);
    expect(o.accuracy).toBeCloseTo(evs.at(-1)!.testAccuracy as number, 10);
    expect(o.perClass.neutral.support).toBe(4);
  });

  it('`ser classify` loads the exported model (by run id and by folder) and gives 8 probabilities per file', async () => {
    const files = [join(data, 'Actor_05/03-01-01-01-01-01-05.wav'), join(data, 'Actor_05/03-01-02-01-01-01-05.wav')];
    const r = await runSer(['classify', '--model', String(runId), '--db', db, '--json', ...files], { env });
    expect(r.code, r.stderr).toBe(0);
    const lines = events(r.stdout.replace(/^/, '')).map((x) => x as unknown as { file: string; top: string; probs: Record<string, number> });
    expect(lines).toHaveLength(2);
    for (const l of lines) {
      expect(Object.keys(l.probs)).toHaveLength(8);
      expect(Object.values(l.probs).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    }
    const modelDir = evs.at(-1)!.modelDir as string;
    const meta = JSON.parse(readFileSync(join(modelDir, 'metadata.json'), 'utf8'));
    expect(meta).toMatchObject({ kind: 'vox-affect-model', runId, labels: expect.any(Array), featureConfig: expect.any(Object), scaler: expect.any(Object) });
    const r2 = await runSer(['classify', '--model', modelDir, '--json', files[0]!]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(JSON.parse(r2.stdout).probs).toEqual(lines[0]!.probs);
  });
});

describe.each([1, 2])('crash and resume with %i training worker(s)', (workers) => {
  it('a SIGKILLed run is interrupted with its epochs intact, and --resume finishes with the same weights as an uninterrupted run', async () => {
    // SpecAugment, frequency warp, mixup, label smoothing and time shift on: their draws must be as reproducible as the
    // data order and dropout. A speaker adversary too: its head is checkpointed with the rest and resumed.
    const args = ['train', ...common, '--epochs', '3', '--seed', '7', '--workers', String(workers), '--spec-augment', '1:4,1:8', '--freq-warp', '0.1', '--mixup', '0.4', '--label-smoothing', '0.1', '--augment-copies', '1', '--shift', '0.1', '--speaker-adversary', '0.5'];
    // 1. Uninterrupted reference run.
    const ref = await runSer([...args, '--name', 'reference'], { env, timeoutMs: 300_000 });
    expect(ref.code, ref.stderr).toBe(0);
    const refDir = events(ref.stdout).at(-1)!.modelDir as string;

    // 2. Same run, killed with SIGKILL right after its first epoch is reported.
    const child = spawn(process.execPath, [serBin, ...args, '--name', 'killed'], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const killedRun = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no epoch event in time')), 240_000);
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const ep = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev).find((e) => e.event === 'checkpoint' && e.best === false);
        if (ep) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve(ep.runId as number);
        }
      });
    });
    await new Promise((r) => child.on('close', r));

    const list = await runSer(['runs', '--json', '--db', db]);
    const killed = (JSON.parse(list.stdout) as Array<{ id: number; status: string; epochsDone: number }>).find((r) => r.id === killedRun)!;
    expect(killed.status).toBe('interrupted');
    expect(JSON.parse((await runSer(['runs', 'show', String(killedRun), '--json', '--db', db])).stdout).workers).toBe(workers);
    expect(killed.epochsDone).toBe(1);
    const { openStore } = await import('../../electron/engine/store/index.js');
    const store = openStore(db);
    expect(store.integrityCheck()).toBe('ok');
    store.close();

    // 3. Resume to the end.
    const res = await runSer(['train', '--resume', String(killedRun), '--db', db, '--json'], { env, timeoutMs: 300_000 });
    expect(res.code, res.stderr).toBe(0);
    const resEvents = events(res.stdout);
    expect(resEvents.find((e) => e.event === 'started')).toMatchObject({ resumed: true, startEpoch: 1, workers });
    expect(resEvents.filter((e) => e.event === 'epoch').map((e) => e.epoch)).toEqual([1, 2]);
    const resDir = resEvents.at(-1)!.modelDir as string;
    const show = JSON.parse((await runSer(['runs', 'show', String(killedRun), '--json', '--db', db])).stdout);
    expect(show.status).toBe('completed');
    expect(show.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([0, 1, 2]);
    expect(show.config).toMatchObject({ mixup: 0.4, freqWarp: 0.1, labelSmoothing: 0.1, speakerAdversary: 0.5, specAugment: { freqMasks: 1, timeMasks: 1 }, augment: { shift: 0.1 } });
    // The checkpoint holds the speaker head (3 training speakers); the exported model is the emotion network alone.
    const topologyOf = (dir: string) => JSON.stringify(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).modelTopology);
    expect(topologyOf(resEvents.find((e) => e.event === 'checkpoint' && e.best === false)!.path as string)).toContain('VoxGradientReversal');
    expect(topologyOf(resDir)).not.toContain('VoxGradientReversal');

    // Same seed, same data order, same dropout masks: bit-identical weights.
    expect(Buffer.compare(readFileSync(join(resDir, 'weights.bin')), readFileSync(join(refDir, 'weights.bin')))).toBe(0);
  }, 600_000);
});

describe('resume with a new epoch budget', () => {
  it('an interrupted run resumed with --epochs equal to the epochs it has done ends at once: tested and exported with its best weights', async () => {
    const child = spawn(process.execPath, [serBin, 'train', ...common, '--epochs', '6', '--seed', '3', '--name', 'cut short'], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const runId = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no checkpoint event in time')), 240_000);
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const ev = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev).find((e) => e.event === 'checkpoint' && e.best === false);
        if (ev) {
          clearTimeout(timer);
          child.kill('SIGTERM'); // the app quitting: the run becomes interrupted
          resolve(ev.runId as number);
        }
      });
    });
    await new Promise((r) => child.on('close', r));
    const before = JSON.parse((await runSer(['runs', 'show', String(runId), '--json', '--db', db])).stdout);
    expect(before.status).toBe('interrupted');
    const done = before.epochs.length as number;
    expect(done).toBeGreaterThanOrEqual(1);

    const res = await runSer(['train', '--resume', String(runId), '--epochs', String(done), '--db', db, '--json'], { env, timeoutMs: 300_000 });
    expect(res.code, res.stderr).toBe(0);
    const evs = events(res.stdout);
    expect(evs.filter((e) => e.event === 'epoch')).toHaveLength(0);
    const fin = evs.at(-1)!;
    expect(fin).toMatchObject({ event: 'finished', runId, epochs: done });
    expect(readFileSync(join(fin.modelDir as string, 'metadata.json'), 'utf8')).toContain('"scaler"');
    const after = JSON.parse((await runSer(['runs', 'show', String(runId), '--json', '--db', db])).stdout);
    expect(after.status).toBe('completed');
    expect(after.config.epochs).toBe(done);
  }, 600_000);
});

(sharedDir ? describe : describe.skip)('on the RAVDESS dev subset', () => {
  it('trains a short speaker-independent run, recorded and loadable', async () => {
    const r = await runSer(['train', '--data', join(sharedDir!, 'data', 'ravdess-dev'), '--split', 'speaker', '--test-speakers', '4', '--val-speakers', '3', '--epochs', '2', '--batch-size', '16', '--augment-copies', '1', '--model', MODEL, '--db', db, '--json'], { env, timeoutMs: 600_000 });
    expect(r.code, r.stderr).toBe(0);
    const evs = events(r.stdout);
    expect(evs.find((e) => e.event === 'started')).toMatchObject({ trainSize: 240, valSize: 60, testSize: 60 });
    const fin = evs.at(-1)!;
    expect(fin.event).toBe('finished');
    const c = await runSer(['classify', '--model', String(fin.runId), '--db', db, '--json', join(sharedDir!, 'data', 'ravdess-dev', 'Actor_04', '03-01-05-02-01-01-04.wav')], { env });
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout).top).toMatch(/^(neutral|calm|happy|sad|angry|fearful|disgust|surprised)$/);
  }, 600_000);
});
if (!sharedDir) console.warn(`RAVDESS training test skipped: ${sharedSkipReason}`);

describe('speaker-adversarial training on data without speakers', () => {
  it('stops with one line naming a clip that has no speaker id', async () => {
    const { put, clip } = await import('../helpers/trees.js');
    const folders = join(tmp, 'folder-per-label');
    for (const emotion of ['neutral', 'calm', 'happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised']) for (let k = 0; k < 3; k++) put(folders, `${emotion}/${emotion}-${k}.wav`, clip(0.8));
    const r = await runSer(['train', '--data', folders, '--epochs', '1', '--speaker-adversary', '0.5', '--model', MODEL, '--db', db], { env });
    expect(r.code).not.toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ser: training failed: [a-z]+\/[a-z]+-\d\.wav: no speaker id, and speaker-adversarial training needs one for every training clip/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
