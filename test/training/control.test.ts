/** Pause / resume / cancel through the engine's TrainingHandle, and Ctrl-C on `ser train`. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runArtifactDirs } from '../../electron/engine/training/artifacts.js';
import { startTraining } from '../../electron/engine/training/session.js';
import type { TrainEvent, TrainOptions } from '../../electron/engine/training/types.js';
import { openStore } from '../../electron/engine/store/index.js';
import { repoRoot, serBin } from '../helpers/ser.js';
import { textureDataset } from '../helpers/toneDataset.js';
import { tinyTrainOptions } from '../helpers/trainOptions.js';

const tmp = mkdtempSync(join(tmpdir(), 'ser-control-'));
const data = join(tmp, 'texture');
const dbPath = join(tmp, 'experiments.db');
const dataDir = join(tmp, 'data');

const options: TrainOptions = tinyTrainOptions(data, { epochs: 50, model: { filters: [4, 4, 8, 8], lstmUnits: 8 } });

beforeAll(() => {
  textureDataset(data, 3, 4);
});

describe('training controls', () => {
  it('pauses (no batches while paused), resumes, then cancels keeping the checkpoint', async () => {
    const h = startTraining(options, { dbPath, dataDir });
    const seen: TrainEvent[] = [];
    h.onEvent((e) => seen.push(e));
    const runId = await h.runId;
    // Wait for the first completed epoch (a checkpoint exists), then pause.
    await new Promise<void>((resolve) => {
      const off = h.onEvent((e) => {
        if (e.event === 'checkpoint' && !e.best) {
          off();
          resolve();
        }
      });
    });
    h.pause();
    await new Promise<void>((resolve) => h.onEvent((e) => e.event === 'paused' && resolve()));
    const batchesAtPause = seen.filter((e) => e.event === 'batch').length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(seen.filter((e) => e.event === 'batch').length).toBe(batchesAtPause);
    const store = openStore(dbPath);
    expect(store.runs.require(runId).status).toBe('running');
    store.close();

    h.resume();
    await new Promise<void>((resolve) => h.onEvent((e) => e.event === 'resumed' && resolve()));
    await new Promise<void>((resolve) => {
      const off = h.onEvent((e) => {
        if (e.event === 'batch') {
          off();
          resolve();
        }
      });
    });
    await h.cancel();
    const final = await h.done;
    expect(final.event).toBe('cancelled');
    const s2 = openStore(dbPath);
    expect(s2.runs.require(runId).status).toBe('cancelled');
    expect(s2.runs.epochs(runId).length).toBeGreaterThanOrEqual(1);
    expect(s2.models.listForRun(runId, 'checkpoint')).toHaveLength(1);
    const { runDir } = runArtifactDirs(dataDir, s2.runs.require(runId));
    s2.close();
    expect(existsSync(join(runDir, 'checkpoint', 'state.json'))).toBe(true);
  }, 300_000);

  it('interrupt() (app quitting) leaves a resumable run', async () => {
    const h = startTraining({ ...options, name: 'to interrupt' }, { dbPath, dataDir });
    const runId = await h.runId;
    await new Promise<void>((resolve) => h.onEvent((e) => e.event === 'batch' && resolve()));
    await h.interrupt();
    const store = openStore(dbPath);
    expect(store.runs.require(runId).status).toBe('interrupted');
    store.close();
  }, 300_000);

  it('Ctrl-C on `ser train` cancels cleanly: exit 130, run cancelled', async () => {
    const child = spawn(process.execPath, [serBin, 'train', '--data', data, '--split', 'speaker', '--test-speakers', '3', '--val-speakers', '2', '--epochs', '50', '--batch-size', '4', '--augment-copies', '0', '--model', '{"filters":[4,4,8,8],"lstmUnits":8}', '--db', dbPath, '--json'], {
      cwd: repoRoot,
      env: { ...process.env, SER_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('"event":"batch"') && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(130);
    const last = JSON.parse(out.trim().split('\n').at(-1)!) as TrainEvent;
    expect(last.event).toBe('cancelled');
    const store = openStore(dbPath);
    expect(store.runs.require((last as { runId: number }).runId).status).toBe('cancelled');
    store.close();
  }, 300_000);
});
