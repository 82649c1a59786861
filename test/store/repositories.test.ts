import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SerError } from '../../electron/shared/errors.js';
import { EMOTIONS } from '../../electron/shared/labels.js';
import { openStore, type Store } from '../../electron/engine/store/store.js';
import type { EvaluationInput } from '../../electron/engine/store/types.js';

const dir = mkdtempSync(join(tmpdir(), 'ser-store-repo-'));
let n = 0;
let store: Store;
beforeEach(() => {
  store = openStore(join(dir, `s${++n}.db`));
});
afterEach(() => store.close());

const split = { trainSpeakers: ['01', '02'], valSpeakers: ['03'], testSpeakers: ['04'] };

function evaluation(runId: number, over: Partial<EvaluationInput> = {}): EvaluationInput {
  return {
    runId,
    split: 'test',
    epoch: 3,
    accuracy: 0.6,
    uar: 0.58,
    macroF1: 0.57,
    weightedF1: 0.59,
    confusion: EMOTIONS.map((_, i) => EMOTIONS.map((_, j) => (i === j ? 5 : 1))),
    perClass: EMOTIONS.map((label) => ({ label, precision: 0.5, recall: 0.6, f1: 0.55, support: 12 })),
    ...over,
  };
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof SerError ? err.code : `not a SerError: ${String(err)}`;
  }
  return undefined;
}

describe('runs', () => {
  it('round-trip every field a run records', () => {
    const r = store.runs.create({
      name: '  paper  ',
      config: { lr: 1e-3, layers: [64, 128] },
      seed: 42,
      split,
      backend: 'wasm',
      datasetFingerprint: 'fp',
      notes: 'first try',
      tags: ['paper', 'baseline'],
    });
    expect(Number.isInteger(r.id)).toBe(true);
    expect(r).toMatchObject({
      name: 'paper',
      status: 'queued',
      config: { lr: 1e-3, layers: [64, 128] },
      seed: 42,
      split,
      backend: 'wasm',
      datasetFingerprint: 'fp',
      notes: 'first try',
      tags: ['baseline', 'paper'],
      pid: process.pid,
      startedAt: null,
      endedAt: null,
    });
    expect(new Date(r.createdAt).toISOString()).toBe(r.createdAt);
    expect(store.runs.get(r.id)).toEqual(r);
    expect(store.runs.get(9999)).toBeUndefined();
    expect(code(() => store.runs.require(9999))).toBe('not-found');
  });

  it('walk the status lifecycle with timestamps, and refuse nonsense transitions', () => {
    const r = store.runs.create({ name: 'r', config: {} });
    const running = store.runs.setStatus(r.id, 'running');
    expect(running.startedAt).not.toBeNull();
    expect(running.endedAt).toBeNull();
    const failed = store.runs.setStatus(r.id, 'failed', { error: 'out of memory' });
    expect(failed).toMatchObject({ status: 'failed', error: 'out of memory', startedAt: running.startedAt });
    expect(failed.endedAt).not.toBeNull();
    expect(code(() => store.runs.setStatus(r.id, 'running'))).toBe('bad-input');
    expect(code(() => store.runs.addEpoch(r.id, { epoch: 0, trainLoss: 1, trainAccuracy: 0.1 }))).toBe('bad-input');
    expect(code(() => store.runs.setStatus(r.id, 'bogus' as never))).toBe('bad-input');
    expect(code(() => store.runs.setStatus(424242, 'running'))).toBe('not-found');
  });

  it('store epochs in order, replace a re-recorded epoch, reject non-finite numbers', () => {
    const r = store.runs.create({ name: 'r', config: {}, status: 'running' });
    expect(r.startedAt).not.toBeNull();
    store.runs.addEpoch(r.id, { epoch: 1, trainLoss: 0.9, trainAccuracy: 0.5, valLoss: 1, valAccuracy: 0.4 });
    store.runs.addEpoch(r.id, { epoch: 0, trainLoss: 1.2, trainAccuracy: 0.3, learningRate: 1e-3, durationMs: 1200, samplesPerSec: 80 });
    store.runs.addEpoch(r.id, { epoch: 1, trainLoss: 0.8, trainAccuracy: 0.55, valLoss: 0.95, valAccuracy: 0.45 });
    const epochs = store.runs.epochs(r.id);
    expect(epochs.map((e) => [e.epoch, e.trainLoss, e.valAccuracy])).toEqual([
      [0, 1.2, null],
      [1, 0.8, 0.45],
    ]);
    expect(epochs[0]).toMatchObject({ learningRate: 1e-3, durationMs: 1200, samplesPerSec: 80 });
    expect(code(() => store.runs.addEpoch(r.id, { epoch: 2, trainLoss: NaN, trainAccuracy: 0.5 }))).toBe('bad-input');
    expect(code(() => store.runs.addEpoch(r.id, { epoch: -1, trainLoss: 1, trainAccuracy: 0.5 }))).toBe('bad-input');
    expect(code(() => store.runs.addEpoch(777, { epoch: 0, trainLoss: 1, trainAccuracy: 0.5 }))).toBe('not-found');
  });

  it('list newest first with the figures of a runs table, filter by status and tag', async () => {
    const a = store.runs.create({ name: 'a', config: {}, tags: ['sweep'] });
    store.runs.setStatus(a.id, 'running');
    store.runs.addEpoch(a.id, { epoch: 0, trainLoss: 1, trainAccuracy: 0.3, valAccuracy: 0.25 });
    store.runs.addEpoch(a.id, { epoch: 1, trainLoss: 0.8, trainAccuracy: 0.4, valAccuracy: 0.41 });
    store.runs.addEpoch(a.id, { epoch: 2, trainLoss: 0.7, trainAccuracy: 0.5, valAccuracy: 0.38 });
    store.evaluations.add(evaluation(a.id, { accuracy: 0.5 }));
    store.evaluations.add(evaluation(a.id, { accuracy: 0.52 }));
    await new Promise((r) => setTimeout(r, 5));
    store.runs.setStatus(a.id, 'completed');
    await new Promise((r) => setTimeout(r, 5));
    const b = store.runs.create({ name: 'b', config: {} });
    const list = store.runs.list();
    expect(list.map((r) => r.id)).toEqual([b.id, a.id]);
    expect(list[1]).toMatchObject({ epochsDone: 3, bestValAccuracy: 0.41, testAccuracy: 0.52, status: 'completed' });
    expect(list[1].durationMs).toBeGreaterThanOrEqual(5);
    expect(list[0]).toMatchObject({ epochsDone: 0, bestValAccuracy: null, testAccuracy: null, durationMs: null });
    expect(store.runs.list({ status: 'completed' }).map((r) => r.id)).toEqual([a.id]);
    expect(store.runs.list({ tag: 'sweep' }).map((r) => r.id)).toEqual([a.id]);
    expect(store.runs.list({ limit: 1, offset: 1 }).map((r) => r.id)).toEqual([a.id]);
  });

  it('tag, untag, annotate and patch', () => {
    const r = store.runs.create({ name: 'r', config: { a: 1 } });
    expect(store.runs.addTags(r.id, ['b', 'a', 'b']).tags).toEqual(['a', 'b']);
    expect(store.runs.removeTag(r.id, 'a')).toBe(true);
    expect(store.runs.removeTag(r.id, 'a')).toBe(false);
    expect(code(() => store.runs.addTags(r.id, ['has space']))).toBe('bad-input');
    expect(code(() => store.runs.addTags(999, ['x']))).toBe('not-found');
    expect(store.runs.setNotes(r.id, 'lr too high').notes).toBe('lr too high');
    expect(store.runs.setNotes(r.id, '').notes).toBeNull();
    const p = store.runs.update(r.id, { name: 'renamed', config: { a: 2 }, split, backend: 'tensorflow' });
    expect(p).toMatchObject({ name: 'renamed', config: { a: 2 }, split, backend: 'tensorflow', tags: ['b'] });
    expect(code(() => store.runs.update(999, { name: 'x' }))).toBe('not-found');
  });

  it('delete a run with everything hanging off it', () => {
    const r = store.runs.create({ name: 'r', config: {}, tags: ['t'] });
    store.runs.setStatus(r.id, 'running');
    store.runs.addEpoch(r.id, { epoch: 0, trainLoss: 1, trainAccuracy: 0.2 });
    store.evaluations.add(evaluation(r.id));
    const m = store.models.add({ runId: r.id, kind: 'best', path: '/m/best', epoch: 0, metric: 0.2, metricName: 'valAccuracy' });
    const session = store.live.createSession({ runId: r.id, modelId: m.id });
    store.runs.setStatus(r.id, 'completed');
    expect(store.runs.delete(r.id)).toBe(true);
    expect(store.runs.delete(r.id)).toBe(false);
    expect(store.runs.epochs(r.id)).toEqual([]);
    expect(store.evaluations.listForRun(r.id)).toEqual([]);
    expect(store.models.listForRun(r.id)).toEqual([]);
    // Live sessions outlive the run they used (their link is cleared).
    expect(store.live.getSession(session.id)).toMatchObject({ runId: null, modelId: null });
  });

  it('group calls in one transaction: all or nothing', () => {
    expect(() =>
      store.transaction(() => {
        store.runs.create({ name: 'ghost', config: {} });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(store.runs.list()).toEqual([]);
    const ids = store.transaction(() => [store.runs.create({ name: 'x', config: {} }).id, store.runs.create({ name: 'y', config: {} }).id]);
    expect(store.runs.list().map((r) => r.id).sort()).toEqual(ids.sort());
  });
});

describe('a second Store in the same process', () => {
  it('does not interrupt the runs this process is driving, but does interrupt stale rows carrying our pid', () => {
    const path = store.path;
    const mine = store.runs.create({ name: 'mine', config: {} });
    store.runs.setStatus(mine.id, 'running');
    const other = openStore(path);
    try {
      expect(other.interruptedOnOpen).toEqual([]);
      expect(other.runs.require(mine.id).status).toBe('running');
    } finally {
      other.close();
    }
    // Rows this process never claimed: one with our pid (a dead process whose pid we inherited),
    // one from a dead pid, one from another machine (cannot be checked, so left alone).
    const raw = new Database(path);
    const ins = raw.prepare(
      "INSERT INTO runs (name, status, config, app_version, created_at, started_at, pid, host) VALUES (?, 'running', '{}', '0', ?, ?, ?, ?)",
    );
    const now = Date.now();
    const stale = Number(ins.run('stale', now, now, process.pid, hostname()).lastInsertRowid);
    const dead = Number(ins.run('dead', now, now, 2 ** 22 + 12345, hostname()).lastInsertRowid);
    const remote = Number(ins.run('remote', now, now, 1, 'some-other-host').lastInsertRowid);
    raw.close();
    const third = openStore(path);
    try {
      expect([...third.interruptedOnOpen].sort()).toEqual([stale, dead].sort());
      expect(third.runs.require(remote).status).toBe('running');
      expect(third.runs.require(mine.id).status).toBe('running');
    } finally {
      third.close();
    }
  });
});

describe('evaluations', () => {
  it('round-trip metrics, confusion matrix and per-class figures; validate their shape', () => {
    const r = store.runs.create({ name: 'r', config: {} });
    const e = store.evaluations.add(evaluation(r.id, { split: 'val', epoch: 2 }));
    expect(e).toMatchObject({ runId: r.id, split: 'val', epoch: 2, accuracy: 0.6, uar: 0.58, macroF1: 0.57, weightedF1: 0.59 });
    expect(e.confusion).toHaveLength(8);
    expect(e.perClass.map((c) => c.label)).toEqual([...EMOTIONS]);
    store.evaluations.add(evaluation(r.id));
    expect(store.evaluations.listForRun(r.id).map((x) => x.split)).toEqual(['val', 'test']);
    expect(store.evaluations.listForRun(r.id, 'test')).toHaveLength(1);
    expect(code(() => store.evaluations.add(evaluation(r.id, { confusion: [[1]] })))).toBe('bad-input');
    expect(code(() => store.evaluations.add(evaluation(r.id, { accuracy: 1.5 })))).toBe('bad-input');
    expect(code(() => store.evaluations.add(evaluation(r.id, { perClass: evaluation(r.id).perClass.reverse() })))).toBe('bad-input');
    expect(code(() => store.evaluations.add(evaluation(999)))).toBe('not-found');
  });
});

describe('models', () => {
  it('record checkpoints, best and exports per run', () => {
    const r = store.runs.create({ name: 'r', config: {} });
    store.models.add({ runId: r.id, kind: 'checkpoint', path: '/m/e1', epoch: 1 });
    store.models.add({ runId: r.id, kind: 'best', path: '/m/b1', epoch: 1, metric: 0.4, metricName: 'valAccuracy' });
    store.models.add({ runId: r.id, kind: 'best', path: '/m/b3', epoch: 3, metric: 0.5, metricName: 'valAccuracy' });
    expect(store.models.listForRun(r.id).map((m) => m.kind)).toEqual(['checkpoint', 'best', 'best']);
    expect(store.models.bestForRun(r.id)?.path).toBe('/m/b3');
    expect(code(() => store.models.add({ runId: r.id, kind: 'weird' as never, path: '/x' }))).toBe('bad-input');
    expect(code(() => store.models.add({ runId: 999, kind: 'export', path: '/x' }))).toBe('not-found');
  });
});

describe('ensembles', () => {
  const members = [{ runId: 1, dir: '/data/models/run-1-a' }, { runId: null, dir: '/opt/builtin' }];

  it('record an ensemble with its members, list newest first, get, require and delete', () => {
    store.runs.create({ name: 'r', config: {} });
    const a = store.ensembles.create({ name: '  seeds 42+43  ', path: '/data/models/ensemble-a', members });
    expect(a).toMatchObject({ name: 'seeds 42+43', path: '/data/models/ensemble-a', members, appVersion: expect.any(String) });
    expect(new Date(a.createdAt).toISOString()).toBe(a.createdAt);
    const b = store.ensembles.create({ name: 'second', path: '/elsewhere/ens', members: [members[1]!, members[0]!] });
    expect(store.ensembles.list().map((e) => e.id)).toEqual([b.id, a.id]);
    expect(store.ensembles.list({ limit: 1 }).map((e) => e.id)).toEqual([b.id]);
    expect(store.ensembles.get(b.id)?.members.map((m) => m.runId)).toEqual([null, 1]);
    expect(store.ensembles.require(a.id)).toEqual(a);
    expect(store.ensembles.get(999)).toBeUndefined();
    expect(code(() => store.ensembles.require(999))).toBe('not-found');
    expect(store.ensembles.delete(a.id)).toBe(true);
    expect(store.ensembles.delete(a.id)).toBe(false);
    expect(store.ensembles.list().map((e) => e.id)).toEqual([b.id]);
  });

  it('refuse a record without a name, a path or two well-formed members', () => {
    expect(code(() => store.ensembles.create({ name: ' ', path: '/x', members }))).toBe('bad-input');
    expect(code(() => store.ensembles.create({ name: 'x', path: '', members }))).toBe('bad-input');
    expect(code(() => store.ensembles.create({ name: 'x', path: '/x', members: members.slice(0, 1) }))).toBe('bad-input');
    expect(code(() => store.ensembles.create({ name: 'x', path: '/x', members: [members[0]!, { runId: 1.5, dir: '/y' }] }))).toBe('bad-input');
    expect(code(() => store.ensembles.create({ name: 'x', path: '/x', members: [members[0]!, { runId: null, dir: '' }] }))).toBe('bad-input');
    expect(code(() => store.ensembles.create({ name: 'x', path: '/x', members: 'nope' as never }))).toBe('bad-input');
    expect(store.ensembles.list()).toEqual([]);
  });
});

describe('datasets', () => {
  const files = [
    { path: 'Actor_01/03-01-05-01-01-01-01.wav', label: 4, speaker: '01', vocalChannel: 'speech', contentHash: 'h1', durationSec: 3.4, problem: null },
    { path: 'Actor_02/03-02-03-01-01-01-02.wav', label: 2, speaker: '02', vocalChannel: 'song', contentHash: 'h2', durationSec: 4.1, problem: null },
    { path: 'Actor_02/broken.wav', label: null, speaker: '02', vocalChannel: null, contentHash: null, durationSec: null, problem: 'not a RAVDESS name' },
  ];

  it('upsert by root, replacing the file list atomically', () => {
    const d = store.datasets.upsert({ name: 'RAVDESS', root: '/data/ravdess', format: 'ravdess', fingerprint: 'fp1', files });
    expect(d).toMatchObject({ name: 'RAVDESS', fileCount: 3, fingerprint: 'fp1' });
    expect(store.datasets.files(d.id, { label: 4 }).map((f) => f.speaker)).toEqual(['01']);
    expect(store.datasets.files(d.id, { usableOnly: true })).toHaveLength(2);
    expect(store.datasets.files(d.id).find((f) => f.problem)?.problem).toBe('not a RAVDESS name');

    const again = store.datasets.upsert({ name: 'RAVDESS', root: '/data/ravdess', format: 'ravdess', fingerprint: 'fp2', files: files.slice(0, 1) });
    expect(again.id).toBe(d.id);
    expect(again).toMatchObject({ fileCount: 1, fingerprint: 'fp2' });
    // Metadata-only upsert keeps the files.
    expect(store.datasets.upsert({ name: 'renamed', root: '/data/ravdess', format: 'ravdess', fingerprint: 'fp2' }).fileCount).toBe(1);
    // A bad label rejects the whole upsert, files unchanged.
    expect(code(() => store.datasets.upsert({ name: 'x', root: '/data/ravdess', format: 'ravdess', fingerprint: 'fp3', files: [{ ...files[0], label: 8 }] }))).toBe(
      'bad-input',
    );
    expect(store.datasets.getByRoot('/data/ravdess')).toMatchObject({ fileCount: 1, fingerprint: 'fp2' });
    expect(store.datasets.list()).toHaveLength(1);

    const run = store.runs.create({ name: 'r', config: {}, datasetId: d.id, datasetFingerprint: 'fp2' });
    expect(store.datasets.delete(d.id)).toBe(true);
    expect(store.runs.require(run.id)).toMatchObject({ datasetId: null, datasetFingerprint: 'fp2' });
  });
});

describe('live', () => {
  it('record sessions and predictions in time order', () => {
    const s = store.live.createSession({ device: 'default', config: { hopSec: 0.5 } });
    const probs = [0.1, 0.1, 0.5, 0.1, 0.05, 0.05, 0.05, 0.05];
    store.live.addPredictions(s.id, [
      { t: 3.5, probs, top: 2, confidence: 0.5, rms: 0.02, voiced: true, latencyMs: 40 },
      { t: 3.0, probs, top: 2, confidence: 0.5, rms: 0.001, voiced: false, latencyMs: null },
    ]);
    store.live.addPrediction(s.id, { t: 4.0, probs, top: 2, confidence: 0.5, rms: null, voiced: true, latencyMs: 35 });
    const preds = store.live.predictions(s.id);
    expect(preds.map((p) => p.t)).toEqual([3.0, 3.5, 4.0]);
    expect(preds[0]).toMatchObject({ voiced: false, latencyMs: null, probs, top: 2 });
    expect(store.live.predictions(s.id, { fromT: 3.5 }).map((p) => p.t)).toEqual([3.5, 4.0]);
    expect(code(() => store.live.addPrediction(s.id, { t: 5, probs: [1], top: 0, confidence: 1, rms: 0, voiced: true, latencyMs: 1 }))).toBe('bad-input');
    // A bad prediction in a batch rejects the whole batch.
    expect(
      code(() =>
        store.live.addPredictions(s.id, [
          { t: 5, probs, top: 2, confidence: 0.5, rms: 0, voiced: true, latencyMs: 1 },
          { t: 6, probs, top: 9, confidence: 0.5, rms: 0, voiced: true, latencyMs: 1 },
        ]),
      ),
    ).toBe('bad-input');
    expect(store.live.getSession(s.id)).toMatchObject({ predictionCount: 3, endedAt: null, config: { hopSec: 0.5 } });
    expect(store.live.endSession(s.id).endedAt).not.toBeNull();
    expect(code(() => store.live.addPrediction(s.id, { t: 9, probs, top: 2, confidence: 0.5, rms: 0, voiced: true, latencyMs: 1 }))).toBe('bad-input');
    expect(store.live.listSessions().map((x) => x.id)).toEqual([s.id]);
  });
});
