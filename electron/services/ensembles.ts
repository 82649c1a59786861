/**
 * Ensembles from the app: the exported models of 2–8 finished runs combined into one model (the engine function
 * `ser ensemble` uses, on a worker thread) written to `<data folder>/models/ensemble-<uuid>`, recorded in the store,
 * and from then on listed by the Live view's picker. Deleting one removes its record and — only when the app made
 * it, i.e. it is such a folder of this app's data folder — its folder; a folder given to `ser ensemble --out` is
 * the user's and stays.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { SerError } from '../shared/errors.js';
import { ensembleLabel, recordEnsemble } from '../engine/training/ensembleRecords.js';
import { OneShotWorkers } from '../engine/workers/oneShot.js';
import type { EnsembleOptions, EnsembleResult } from '../engine/training/ensemble.js';
import type { EnsembleRecord } from '../engine/store/types.js';
import type { EnsembleDeleteResult, ModelChoice } from '../contract/types.js';
import type { ServiceContext } from './context.js';
import { runExports } from './runExports.js';

/** The folder name the app gives the ensembles it makes (the only ones it will delete). */
const APP_FOLDER = /^ensemble-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An ensemble as the Live view's picker lists it. */
export function ensembleChoice(e: EnsembleRecord): ModelChoice {
  return {
    kind: 'ensemble', runId: null, ensembleId: e.id, label: ensembleLabel(e), dir: e.path,
    testAccuracy: null, uar: null, splitKind: null, card: null, version: e.createdAt,
  };
}

export class EnsemblesService {
  readonly #workers = new OneShotWorkers(import.meta.url);

  constructor(private readonly ctx: ServiceContext) {}

  /** The folders this app's data folder keeps the ensembles it made in. */
  get #modelsDir(): string {
    return resolve(this.ctx.dataDir, 'models');
  }

  /** Combines the runs' exported models (in the order given: the first run's scaler is the ensemble's). */
  async make(runIds: number[], name?: string): Promise<ModelChoice> {
    const { store } = this.ctx;
    const members = runIds.map((id) => {
      const run = store.runs.require(id);
      const exported = runExports(store, id)[0];
      if (!exported) throw new SerError('not-found', `run ${id} ("${run.name}") has no exported model on disk: only finished runs can be combined`, { id });
      return exported.dir;
    });
    const out = join(this.#modelsDir, `ensemble-${randomUUID()}`);
    const result = await this.#workers.run<EnsembleResult>('ensembleWorker', { what: 'building the ensemble', workerData: { members, out } satisfies EnsembleOptions });
    try {
      return ensembleChoice(recordEnsemble(store, result, name ?? `runs ${runIds.map((id) => `#${id}`).join(' + ')}`));
    } catch (err) {
      await rm(out, { recursive: true, force: true }); // not recorded: nothing would ever list or delete it
      throw err;
    }
  }

  delete(id: number): EnsembleDeleteResult {
    const e = this.ctx.store.ensembles.require(id);
    const deleted = this.ctx.store.ensembles.delete(id);
    const dir = resolve(e.path);
    const ours = dirname(dir) === this.#modelsDir && APP_FOLDER.test(basename(dir));
    if (!deleted || !ours) return { deleted, removedFolder: null };
    rmSync(dir, { recursive: true, force: true });
    return { deleted, removedFolder: dir };
  }

  /** Stops builds still running (the app is closing): the engine writes under a temporary name, so no half model is left as one. */
  close(): Promise<void> {
    return this.#workers.close();
  }
}
