/**
 * Shared setup of the live tests: a tiny model trained for real (`ser train`, 2 epochs on two RAVDESS actors,
 * ≈ 15 s) into a temporary data folder and database. Its accuracy is near chance; the tests only need a real
 * exported model (metadata, scaler, weights) whose outputs they can compare between paths.
 */
import { cp, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSer, sharedDir } from '../helpers/ser.js';

export interface TinyModel {
  dir: string;
  modelDir: string;
  db: string;
  runId: number;
  env: NodeJS.ProcessEnv;
}

export async function trainTinyModel(): Promise<TinyModel> {
  if (!sharedDir) throw new Error('SER_SHARED is not set');
  const dir = await mkdtemp(join(tmpdir(), 'vox-live-'));
  const data = join(dir, 'data');
  await mkdir(data);
  for (const actor of ['Actor_01', 'Actor_02']) await cp(join(sharedDir, 'data', 'ravdess-dev', actor), join(data, actor), { recursive: true });
  const db = join(dir, 'experiments.db');
  const env = { SER_DATA_DIR: join(dir, 'data-dir'), SER_DB: db };
  const r = await runSer(
    ['train', '--data', data, '--epochs', '2', '--batch-size', '16', '--augment-copies', '0', '--model', '{"filters":[4,8,8,16],"lstmUnits":16}', '--db', db, '--json'],
    { env, timeoutMs: 180_000 },
  );
  const finished = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { event: string; runId?: number; modelDir?: string })
    .find((e) => e.event === 'finished');
  if (r.code !== 0 || !finished?.modelDir) throw new Error(`ser train failed (${r.code}): ${r.stderr.slice(-500)} ${r.stdout.slice(-500)}`);
  return { dir, modelDir: finished.modelDir, db, runId: finished.runId!, env };
}
