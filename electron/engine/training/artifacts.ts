/**
 * Where a run's files live in the data folder. Several databases may share one data folder (`--db a.db`,
 * `--db b.db`, `SER_DB`) and each numbers its runs from 1, so the folders are keyed by the run's UUID (runs.uuid,
 * migration 6), with the id in front for people browsing the folder:
 *
 *   <data dir>/runs/<id>-<uuid>/checkpoint, …/best     checkpoints (resume) and the best epoch's weights
 *   <data dir>/models/run-<id>-<uuid>/                  the exported model
 *
 * Runs recorded before migration 6 have no UUID: their files stay where they were written (`runs/<id>`,
 * `models/run-<id>`) and the paths stored in their `models` rows still resolve — which database such a folder
 * belongs to cannot be told from the folder, so nothing is moved. Such a run writes nothing there again: when it is
 * resumed it first gets a UUID and a *copy* of its old checkpoint folder (`adoptLegacyRun`), so a resume can no
 * longer overwrite the files of another database's run with the same id.
 */
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { SerError } from '../../shared/errors.js';

export interface RunArtifactDirs {
  /** checkpoint/ and best/ live here. */
  runDir: string;
  /** The exported model. */
  modelDir: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function runArtifactDirs(dataDir: string, run: { id: number; uuid: string | null }): RunArtifactDirs {
  if (run.uuid === null) return { runDir: join(dataDir, 'runs', String(run.id)), modelDir: join(dataDir, 'models', `run-${run.id}`) };
  // The UUID becomes a path component: anything but a UUID (a hand-edited row) must not steer writes elsewhere.
  if (!UUID.test(run.uuid)) throw new SerError('corrupt', `run ${run.id} has a malformed uuid '${run.uuid}' in the database; its folders cannot be located`);
  const key = `${run.id}-${run.uuid.toLowerCase()}`;
  return { runDir: join(dataDir, 'runs', key), modelDir: join(dataDir, 'models', `run-${key}`) };
}

/**
 * For a run without a UUID that is about to write again (a resume): the caller has just given it `uuid`; this
 * copies its old checkpoint folder (if any) to the new one and returns the new folders. The old folder is left as
 * it is (another database's run with the same id may own it).
 */
export function adoptLegacyRun(dataDir: string, id: number, uuid: string): RunArtifactDirs {
  const legacy = runArtifactDirs(dataDir, { id, uuid: null });
  const dirs = runArtifactDirs(dataDir, { id, uuid });
  if (existsSync(legacy.runDir) && !existsSync(dirs.runDir)) cpSync(legacy.runDir, dirs.runDir, { recursive: true });
  return dirs;
}
