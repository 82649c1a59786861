/**
 * Loads the runs a results table is about from the store: given ids (in the order given), the runs with a tag,
 * or every run (oldest first, as the paper lists its rows by growing budget). The CLI and the services share it.
 */
import { SerError } from '../../shared/errors.js';
import type { Store } from '../store/store.js';
import type { RunResultsInput } from './paperTable.js';

export type RunSelection = { ids: readonly number[] } | { tag: string } | { all: true };

export function loadRunResults(store: Store, selection: RunSelection): RunResultsInput[] {
  let ids: number[];
  if ('ids' in selection) {
    ids = [...new Set(selection.ids)];
    const missing = ids.filter((id) => store.runs.get(id) === undefined);
    if (missing.length) throw new SerError('not-found', `no run with id ${missing.join(', ')}`, { id: missing[0], ids: missing });
  } else {
    const list = 'tag' in selection ? store.runs.list({ tag: selection.tag }) : store.runs.list();
    ids = list.map((r) => r.id).sort((a, b) => a - b);
  }
  return ids.map((id) => ({ run: store.runs.require(id), epochs: store.runs.epochs(id), evaluations: store.evaluations.listForRun(id) }));
}
