/** Finished runs whose exported model is still on disk: what the Live picker lists and what an ensemble can be made of. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../engine/store/index.js';

export interface RunExport {
  dir: string;
  runId: number;
  modelId: number;
  name: string;
}

/** Completed runs with their latest export on disk, newest first; or just `runId`'s (none when it has no export there). */
export function runExports(store: Store, runId?: number): RunExport[] {
  const runs = runId !== undefined ? [store.runs.require(runId)] : store.runs.list({ status: 'completed' });
  const out: RunExport[] = [];
  for (const r of runs) {
    const m = store.models.listForRun(r.id, 'export').at(-1);
    if (m && existsSync(join(m.path, 'model.json'))) out.push({ dir: m.path, runId: r.id, modelId: m.id, name: r.name });
  }
  return out;
}
