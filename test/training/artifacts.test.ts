/**
 * Run folders never collide: two databases sharing one data folder each get a run 1 (real tiny trainings,
 * interrupted after their first epoch, then resumed); both keep their own checkpoints and exports. A run recorded
 * before migration 6 (no uuid) keeps its old folders and still resumes from them.
 */
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runArtifactDirs } from '../../electron/engine/training/artifacts.js';
import { startTraining } from '../../electron/engine/training/session.js';
import type { TrainEvent, TrainOptions, TrainingHandle } from '../../electron/engine/training/types.js';
import { openStore } from '../../electron/engine/store/index.js';
import type { ModelRecord } from '../../electron/engine/store/types.js';
import { textureDataset } from '../helpers/toneDataset.js';
import { tinyTrainOptions } from '../helpers/trainOptions.js';

const tmp = mkdtempSync(join(tmpdir(), 'ser-artifacts-'));
const data = join(tmp, 'texture');
const dataDir = join(tmp, 'shared-data');
const dbA = join(tmp, 'a.db');
const dbB = join(tmp, 'b.db');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const tiny = (seed: number, name: string): TrainOptions => tinyTrainOptions(data, { name, epochs: 2, seed, workers: 1 });

beforeAll(() => {
  textureDataset(data, 3, 4);
});

/** Resolves once the run has written its first end-of-epoch checkpoint, then interrupts it (an app quitting). */
async function interruptAfterFirstCheckpoint(h: TrainingHandle): Promise<number> {
  const runId = await h.runId;
  await new Promise<void>((resolve, reject) => {
    h.onEvent((e) => {
      if (e.event === 'checkpoint' && !e.best) resolve();
      if (e.event === 'failed' || e.event === 'finished') reject(new Error(`run ended before it could be interrupted: ${JSON.stringify(e)}`));
    });
  });
  await h.interrupt();
  return runId;
}

async function resumeToEnd(dbPath: string, runId: number): Promise<{ final: TrainEvent; started: TrainEvent | undefined }> {
  const h = startTraining(undefined, { dbPath, dataDir, resumeRunId: runId });
  let started: TrainEvent | undefined;
  h.onEvent((e) => {
    if (e.event === 'started') started = e;
  });
  return { final: await h.done, started };
}

function modelsOf(dbPath: string, runId: number): { uuid: string | null; status: string; models: ModelRecord[] } {
  const s = openStore(dbPath, { mustExist: true });
  try {
    const run = s.runs.require(runId);
    return { uuid: run.uuid, status: run.status, models: s.models.listForRun(runId) };
  } finally {
    s.close();
  }
}

describe('two databases sharing one data folder', () => {
  it('each get a run 1 whose checkpoints and export are their own, and each resumes from its own checkpoint', async () => {
    // A's run 1 trains an epoch and is interrupted; then B's run 1 does the same in the same data folder (before
    // migration 6 it wrote over A's checkpoint here, and later over A's export).
    const runA = await interruptAfterFirstCheckpoint(startTraining(tiny(1, 'in A'), { dbPath: dbA, dataDir }));
    const runB = await interruptAfterFirstCheckpoint(startTraining(tiny(2, 'in B'), { dbPath: dbB, dataDir }));
    expect([runA, runB]).toEqual([1, 1]);

    const a = modelsOf(dbA, 1);
    const b = modelsOf(dbB, 1);
    expect(a.status).toBe('interrupted');
    expect(b.status).toBe('interrupted');
    expect(a.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.uuid).not.toBe(b.uuid);
    const dirsA = runArtifactDirs(dataDir, { id: 1, uuid: a.uuid });
    const dirsB = runArtifactDirs(dataDir, { id: 1, uuid: b.uuid });
    expect(dirsA.runDir).not.toBe(dirsB.runDir);
    expect(dirsA.modelDir).not.toBe(dirsB.modelDir);
    const stateA = join(dirsA.runDir, 'checkpoint', 'state.json');
    const stateB = join(dirsB.runDir, 'checkpoint', 'state.json');
    expect(existsSync(stateA) && existsSync(stateB)).toBe(true);
    // The stored paths point into each run's own folder.
    expect(a.models.find((m) => m.kind === 'checkpoint')?.path).toBe(join(dirsA.runDir, 'checkpoint'));
    expect(b.models.find((m) => m.kind === 'checkpoint')?.path).toBe(join(dirsB.runDir, 'checkpoint'));

    // Both resume from their own checkpoint (epoch 1 of 2) and finish.
    const ra = await resumeToEnd(dbA, 1);
    const rb = await resumeToEnd(dbB, 1);
    for (const r of [ra, rb]) {
      expect(r.final.event).toBe('finished');
      expect(r.started).toMatchObject({ event: 'started', resumed: true, startEpoch: 1 });
    }

    const exportA = modelsOf(dbA, 1).models.find((m) => m.kind === 'export')!.path;
    const exportB = modelsOf(dbB, 1).models.find((m) => m.kind === 'export')!.path;
    expect(exportA).toBe(dirsA.modelDir);
    expect(exportB).toBe(dirsB.modelDir);
    // Both exports survive, each with its own run's weights: the model seed tells them apart.
    const meta = (dir: string) => JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) as { modelConfig: { seed: number } };
    expect(meta(exportA).modelConfig.seed).toBe(1);
    expect(meta(exportB).modelConfig.seed).toBe(2);
    expect(readFileSync(join(exportA, 'weights.bin')).equals(readFileSync(join(exportB, 'weights.bin')))).toBe(false);
    expect(existsSync(stateA) && existsSync(stateB)).toBe(true);
  }, 300_000);

  it('a run recorded before run folders had a uuid resumes from a copy of its old checkpoint under a new uuid, leaving the old folders as they were', async () => {
    const dbC = join(tmp, 'c.db');
    const runId = await interruptAfterFirstCheckpoint(startTraining(tiny(3, 'early layout'), { dbPath: dbC, dataDir }));
    // Make it what an earlier version left: uuid NULL, files at runs/<id> and models/run-<id>, paths stored so.
    const { uuid } = modelsOf(dbC, runId);
    const now = runArtifactDirs(dataDir, { id: runId, uuid });
    const legacy = runArtifactDirs(dataDir, { id: runId, uuid: null });
    expect(legacy).toEqual({ runDir: join(dataDir, 'runs', String(runId)), modelDir: join(dataDir, 'models', `run-${runId}`) });
    expect(existsSync(legacy.runDir)).toBe(false); // run 1 of A and B live under their uuids, not here
    renameSync(now.runDir, legacy.runDir);
    const db = new Database(dbC);
    db.prepare('UPDATE runs SET uuid = NULL WHERE id = ?').run(runId);
    db.prepare('UPDATE models SET path = replace(path, ?, ?) WHERE run_id = ?').run(now.runDir, legacy.runDir, runId);
    db.close();

    const oldCheckpoint = readFileSync(join(legacy.runDir, 'checkpoint', 'weights.bin'));
    const r = await resumeToEnd(dbC, runId);
    expect(r.final.event).toBe('finished');
    expect(r.started).toMatchObject({ resumed: true, startEpoch: 1 }); // it found the epoch-1 checkpoint (copied)
    const after = modelsOf(dbC, runId);
    expect(after.uuid).toMatch(/^[0-9a-f-]{36}$/);
    const adopted = runArtifactDirs(dataDir, { id: runId, uuid: after.uuid });
    expect(after.models.find((m) => m.kind === 'export')?.path).toBe(adopted.modelDir);
    expect(existsSync(join(adopted.modelDir, 'model.json'))).toBe(true);
    // Nothing was written to the old folders: another database's run 3 could own them.
    expect(readFileSync(join(legacy.runDir, 'checkpoint', 'weights.bin')).equals(oldCheckpoint)).toBe(true);
    expect(existsSync(legacy.modelDir)).toBe(false);
  }, 300_000);
});
