/**
 * Ensembles in the experiment database: what `ser ensemble` and the app record once an ensemble's folder is written
 * (training/ensemble.ts), and how `--model ensemble:<id>` and the Live view find the folder again. Loads no
 * TensorFlow, so listing models stays cheap.
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { SerError } from '../../shared/errors.js';
import type { Store } from '../store/index.js';
import type { EnsembleMember, EnsembleRecord } from '../store/types.js';
import type { EnsembleResult } from './ensemble.js';

/** `--model ensemble:<id>`: an ensemble recorded in the database. */
export const ENSEMBLE_REF_PREFIX = 'ensemble:';

/**
 * The id of an `ensemble:<id>` reference; undefined for anything else (a folder, a run id, `built-in`). A folder
 * that happens to be called `ensemble:3` is taken as the folder, as a folder called `3` is not a run id.
 */
export function ensembleRefId(ref: string | undefined): number | undefined {
  if (ref === undefined || !ref.startsWith(ENSEMBLE_REF_PREFIX) || existsSync(ref)) return undefined;
  const id = ref.slice(ENSEMBLE_REF_PREFIX.length);
  if (!/^\d+$/.test(id) || Number(id) < 1) throw new SerError('bad-input', `${ref}: an ensemble is given as ensemble:<id>, its id a positive integer`);
  return Number(id);
}

/** True when the ensemble's folder still holds a model (a folder given to `ser ensemble --out` may be deleted). */
export function ensembleFolderExists(e: EnsembleRecord): boolean {
  return existsSync(join(e.path, 'model.json'));
}

/** The folder of ensemble `id`: one line naming it when there is no such record or its folder is gone. */
export function requireEnsembleFolder(store: Store, id: number): { ensemble: EnsembleRecord; dir: string } {
  const ensemble = store.ensembles.get(id);
  if (!ensemble) throw new SerError('not-found', `no ensemble with id ${id} in ${store.path}`, { id });
  if (!ensembleFolderExists(ensemble)) {
    throw new SerError('not-found', `ensemble ${id} ("${ensemble.name}"): its folder ${ensemble.path} is gone (no model.json); make it again with ser ensemble`, { id });
  }
  return { ensemble, dir: ensemble.path };
}

/**
 * Records a written ensemble. A member is linked to its run only when that run of *this* database exported that very
 * folder (the run id in a member's metadata may come from another database, e.g. the built-in model's members).
 */
export function recordEnsemble(store: Store, result: EnsembleResult, name?: string): EnsembleRecord {
  const members: EnsembleMember[] = result.members.map((m) => {
    const dir = resolve(m.dir);
    const ownRun = m.runId !== null && store.runs.get(m.runId) !== undefined && store.models.listForRun(m.runId, 'export').some((x) => resolve(x.path) === dir);
    return { runId: ownRun ? m.runId : null, dir };
  });
  return store.ensembles.create({ name: name?.trim() || basename(result.out), path: resolve(result.out), members });
}

/** How pickers and messages name an ensemble: `ensemble #3 "seeds 42–44" (3 models)`. */
export function ensembleLabel(e: Pick<EnsembleRecord, 'id' | 'name' | 'members'>): string {
  return `ensemble #${e.id} "${e.name}" (${e.members.length} models)`;
}
