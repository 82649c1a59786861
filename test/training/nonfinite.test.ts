/**
 * Non-finite audio never poisons a run. Float WAVs (generated here) with one sample of 1e30, 1e36, 3e38, ±Inf or NaN
 * are refused by name at scan, at extract and when loading a clip; the feature cache never stores non-finite
 * features (and drops such entries left by older versions); the trainer fails fast on non-finite scaler statistics
 * or loss; and a run on a dataset holding such a file trains on the others. Tiny real trainings.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeatureExtractor, PAPER_FEATURES } from '../../electron/engine/audio/features.js';
import { loadClip } from '../../electron/engine/audio/load.js';
import { MAX_SAMPLE_MAGNITUDE } from '../../electron/engine/audio/sampleCheck.js';
import { StandardScaler } from '../../electron/engine/audio/scaler.js';
import { cacheKey, computeEntry, FeatureCache } from '../../electron/engine/dataset/featureCache.js';
import { scanDataset } from '../../electron/engine/dataset/scan.js';
import { SerError } from '../../electron/shared/errors.js';
import { openStore } from '../../electron/engine/store/index.js';
import { checkLoss, checkScaler } from '../../electron/engine/training/finiteGuards.js';
import { startTraining } from '../../electron/engine/training/session.js';
import type { TrainEvent, TrainOptions } from '../../electron/engine/training/types.js';
import { textureDataset } from '../helpers/toneDataset.js';
import { put } from '../helpers/trees.js';
import { sine, writeWav } from '../helpers/wavWriter.js';
import { tinyTrainOptions } from '../helpers/trainOptions.js';

const tmp = mkdtempSync(join(tmpdir(), 'ser-nonfinite-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SR = 16000;
const BAD_VALUES: Array<[string, number]> = [['1e30', 1e30], ['1e36', 1e36], ['3e38', 3e38], ['-1e30', -1e30], ['Inf', Infinity], ['-Inf', -Infinity], ['NaN', NaN]];

/** 2 s of a 440 Hz sine at 0.3 with one sample set to `value` at `atSec` (inside the features' 0.5 s + 3 s window by default). */
function spiked(value: number, opts: { atSec?: number; encoding?: 'float32' | 'float64'; channels?: 1 | 2 } = {}): Uint8Array {
  const x = sine(440, SR, 2, 0.3);
  x[Math.round((opts.atSec ?? 1) * SR)] = value;
  const channels = opts.channels === 2 ? [x, x.map((v) => -v)] : [x];
  return writeWav({ sampleRate: SR, channels, encoding: opts.encoding ?? 'float32' });
}

async function refusalOf(p: Promise<unknown>): Promise<SerError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SerError);
    return err as SerError;
  }
  throw new Error('expected a refusal');
}

describe('loading a clip (ser features, classify, extract)', () => {
  const dir = join(tmp, 'load');

  it.each(BAD_VALUES)('refuses a float WAV holding %s, naming the file and the problem', async (name, value) => {
    const file = put(dir, `spike-${name}.wav`, spiked(value));
    const err = await refusalOf(loadClip(file, { sampleRate: 48000, offset: 0.5, duration: 3 }));
    expect(err.code).toBe('corrupt');
    expect(err.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: non-finite or overflowing samples \\(.* at 1\\.000 s, channel 1;`));
    expect(err.message).not.toContain('\n');
  });

  it('refuses a float64 sample that overflows float32, and opposite spikes that would cancel in the mono mix', async () => {
    const f64 = put(dir, 'f64.wav', spiked(1e300, { encoding: 'float64' }));
    // Named with the value the file holds, not the ±Infinity it would become as float32.
    expect((await refusalOf(loadClip(f64, { offset: 0.5, duration: 3 }))).message).toMatch(/non-finite or overflowing samples \(1\.00e\+300 at 1\.000 s, channel 1;/);
    // +1e30 in the left channel, −1e30 in the right: their mean is 0, so a check after mixing would let it through.
    const stereo = put(dir, 'stereo.wav', spiked(1e30, { channels: 2 }));
    expect((await refusalOf(loadClip(stereo, { offset: 0.5, duration: 3 }))).message).toMatch(/non-finite or overflowing samples \(1\.00e\+30 at 1\.000 s, channel 1/);
  });

  it(`accepts samples up to ±${MAX_SAMPLE_MAGNITUDE} and computes finite features from them, clean and noisy`, async () => {
    const file = put(dir, 'at-limit.wav', spiked(-MAX_SAMPLE_MAGNITUDE));
    const bytes = readFileSync(file);
    const fx = new FeatureExtractor(PAPER_FEATURES);
    for (const augment of [undefined, { noiseSeed: 3, snrDb: 15 }]) {
      const mel = await computeEntry(fx, bytes, { absPath: file, contentHash: 'ab'.repeat(32), ...(augment ? { augment } : {}) });
      expect(mel.every(Number.isFinite)).toBe(true);
    }
    const over = put(dir, 'over-limit.wav', spiked(MAX_SAMPLE_MAGNITUDE * 2));
    expect((await refusalOf(loadClip(over, { offset: 0.5, duration: 3 }))).message).toMatch(/non-finite or overflowing samples \(3\.36e\+7 at/);
  });
});

describe('scan and extract', () => {
  const root = join(tmp, 'scan');
  const dataDir = join(tmp, 'scan-data');
  beforeAll(() => {
    put(root, 'happy/fine.wav', spiked(0.5));
    for (const [name, value] of BAD_VALUES) put(root, `happy/spike-${name}.wav`, spiked(value));
    // Outside the features' window: the file is still corrupt, and scan reads all of it.
    put(root, 'sad/early-spike.wav', spiked(1e30, { atSec: 0.1 }));
  });

  it('scan names every file with a non-finite or overflowing sample as a problem, and only those', async () => {
    const { summary, files } = await scanDataset(root, { statCacheFile: join(dataDir, 'stat.json') });
    const problems = Object.fromEntries(summary.problems.map((p) => [p.file, p.reason]));
    expect(Object.keys(problems).sort()).toEqual([...BAD_VALUES.map(([n]) => `happy/spike-${n}.wav`), 'sad/early-spike.wav'].sort());
    for (const reason of Object.values(problems)) expect(reason).toMatch(/^non-finite or overflowing samples \(/);
    expect(problems['sad/early-spike.wav']).toMatch(/ at 0\.100 s,/);
    expect(summary.usable).toBe(1);
    // The stat cache remembers the verdict: a rescan says the same without decoding.
    const again = await scanDataset(root, { statCacheFile: join(dataDir, 'stat.json') });
    expect(again.summary.problems).toEqual(summary.problems);
    expect(files.find((f) => f.path === 'happy/fine.wav')?.problem).toBeUndefined();
  });

  it.each([0, 1])('extract (%i worker threads, bypassing the scan) refuses them per file and caches nothing for them', async (workers) => {
    const { files } = await scanDataset(root);
    const cache = new FeatureCache(join(dataDir, `w${workers}`), PAPER_FEATURES);
    const refs = files.map((f) => ({ absPath: f.absPath, contentHash: f.contentHash! }));
    const summary = await cache.ensure(refs, { workers });
    // Extract reads only the features' window (0.5 s + 3 s): the spike at 0.1 s is never read there, and its window is fine.
    const inWindow = (p: string) => p.includes('spike-');
    expect(summary.computed).toBe(2);
    expect(summary.failed.map((f) => f.file).sort()).toEqual(files.map((f) => f.absPath).filter(inWindow).sort());
    for (const f of summary.failed) expect(f.reason).toMatch(new RegExp(`^${f.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: non-finite or overflowing samples`));
    for (const r of refs) {
      expect(cache.has(cacheKey(r))).toBe(!inWindow(r.absPath));
      if (!inWindow(r.absPath)) expect(cache.read(cacheKey(r))?.every(Number.isFinite)).toBe(true);
    }
  });
});

describe('the feature cache', () => {
  const cache = new FeatureCache(join(tmp, 'cache-data'), PAPER_FEATURES);
  const n = cache.nMels * cache.nFrames;

  it('refuses to write non-finite features, naming the source file', () => {
    for (const v of [NaN, Infinity, -Infinity]) {
      const mel = new Float32Array(n).fill(-40);
      mel[123] = v;
      expect(() => cache.write('cd'.repeat(32), mel, '/audio/x.wav')).toThrow(/^\/audio\/x\.wav: non-finite features \(1 of \d+ mel-dB values are NaN or ±Inf\); not cached$/);
      expect(cache.has('cd'.repeat(32))).toBe(false);
    }
  });

  it('drops an entry holding -Inf (as versions before this check cached) instead of returning it', () => {
    const key = 'ef'.repeat(32);
    cache.write(key, new Float32Array(n).fill(-40));
    const path = cache.pathFor(key);
    const buf = readFileSync(path);
    buf.writeFloatLE(-Infinity, 16 + 4 * 7); // what a 1e30 sample used to leave in the cache
    writeFileSync(path, buf);
    expect(cache.read(key)).toBeUndefined();
    expect(existsSync(path)).toBe(false);
    cache.write(key, new Float32Array(n).fill(-40));
    expect(cache.read(key)?.every((v) => v === -40)).toBe(true);
  });
});

describe('the trainer', () => {
  it('refuses non-finite scaler statistics, naming the clip whose features caused them', () => {
    const good = new Float32Array(8).fill(1);
    const poisoned = new Float32Array(8).fill(1);
    poisoned[3] = -Infinity;
    const scaler = new StandardScaler(8).partialFit(good).partialFit(poisoned);
    expect(() => checkScaler(scaler, [good, poisoned], ['a.wav', 'b.wav'])).toThrow(
      /^non-finite scaler statistics \(2 of 16 means and scales\) after fitting on 2 training clips: the features of b\.wav hold NaN or ±Inf values;/,
    );
    expect(() => checkScaler(new StandardScaler(8).partialFit(good), [good], ['a.wav'])).not.toThrow();
    expect(() => checkLoss('training', NaN, 'epoch 1, batch 2 of 4', 0.1)).toThrow(/^non-finite training loss \(NaN\) at epoch 1, batch 2 of 4/);
    expect(() => checkLoss('validation', -Infinity, 'epoch 3', 0.1)).toThrow(/^non-finite validation loss \(-Infinity\) at epoch 3/);
    expect(() => checkLoss('training', 1.9, 'epoch 1', 0.1)).not.toThrow();
  });

  const data = join(tmp, 'texture');
  const dataDir = join(tmp, 'train-data');
  const dbPath = join(tmp, 'train.db');
  const options = (o: Partial<TrainOptions>): TrainOptions => tinyTrainOptions(data, { optimizer: 'sgd', workers: 1, ...o });

  const train = async (o: Partial<TrainOptions>): Promise<TrainEvent> => startTraining(options(o), { dbPath, dataDir }).done;
  let spikePath = '';
  beforeAll(() => {
    textureDataset(data, 3, 4);
    // A training speaker's clip, named like the others, with one sample of 1e30 in the middle of its window.
    spikePath = put(data, 'Actor_01/03-01-01-02-01-01-01.wav', spiked(1e30));
  });

  it('a run on a dataset holding a 1e30 sample leaves that file out (named) and trains on the rest, finite', async () => {
    const final = await train({ name: 'with a spike' });
    expect(final.event, JSON.stringify(final)).toBe('finished');
    const store = openStore(dbPath, { mustExist: true });
    try {
      const run = store.runs.require(final.runId!);
      expect(run.split?.trainFiles).toBe(16); // actor 1's 16 clips, without the refused 17th
      const file = store.datasets.files(run.datasetId!).find((f) => f.path.endsWith('03-01-01-02-01-01-01.wav'));
      expect(file?.problem).toMatch(/^non-finite or overflowing samples \(1\.00e\+30 at 1\.000 s/);
      expect(store.runs.epochs(run.id).every((e) => Number.isFinite(e.trainLoss) && Number.isFinite(e.valLoss))).toBe(true);
    } finally {
      store.close();
    }
    const scaler = JSON.parse(readFileSync(join((final as { modelDir: string }).modelDir, 'metadata.json'), 'utf8')).scaler as Parameters<typeof StandardScaler.fromJSON>[0];
    const s = StandardScaler.fromJSON(scaler);
    expect(s.mean.every(Number.isFinite) && s.scale.every(Number.isFinite)).toBe(true);
    // Nothing was cached for the refused file.
    const cached = readdirSync(join(dataDir, 'features'), { recursive: true }).map(String);
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(readFileSync(spikePath)).digest('hex');
    expect(cached.some((p) => p.includes(hash))).toBe(false);
  }, 120_000);

  it('a run that diverges fails at the end of that epoch with "non-finite model weights", instead of finishing at chance', async () => {
    // At this learning rate the weights overflow in the first epoch, while the clipped training loss stays finite.
    const final = await train({ name: 'diverges', learningRate: 1e38, momentum: 0, weightDecay: 0 });
    expect(final.event).toBe('failed');
    const error = (final as { error: string }).error;
    expect(error).toMatch(/^non-finite model weights after epoch 1 \(\d+ of \d+ values of .+\): the model diverged at learning rate 1e\+38; lower the learning rate \(--lr\)/);
    const store = openStore(dbPath, { mustExist: true });
    try {
      const run = store.runs.require(final.runId!);
      expect(run.status).toBe('failed');
      expect(run.error).toBe(error);
      expect(store.runs.epochs(run.id)).toHaveLength(0); // nothing was recorded or checkpointed with those weights
      expect(store.models.listForRun(run.id)).toHaveLength(0);
    } finally {
      store.close();
    }
  }, 120_000);
});
