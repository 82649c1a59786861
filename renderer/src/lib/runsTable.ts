/** Sorting and filtering of the experiments table (pure; the view keeps the state). */
import type { RunRow } from '../../../electron/api/contract.js';

export type SortKey = 'name' | 'status' | 'datasetName' | 'splitKind' | 'epochsDone' | 'bestValAccuracy' | 'testAccuracy' | 'uar' | 'durationMs' | 'backend' | 'startedAt';
export interface SortState {
  key: SortKey;
  dir: 'asc' | 'desc';
}

function value(r: RunRow, key: SortKey): string | number | null {
  if (key === 'startedAt') return r.startedAt ?? r.createdAt;
  return r[key];
}

/** Stable sort; unknown values (null) always go last, whatever the direction. */
export function sortRuns(rows: readonly RunRow[], s: SortState): RunRow[] {
  const sign = s.dir === 'asc' ? 1 : -1;
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => {
      const va = value(a.r, s.key);
      const vb = value(b.r, s.key);
      if (va === null && vb === null) return a.i - b.i;
      if (va === null) return 1;
      if (vb === null) return -1;
      const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb), undefined, { numeric: true });
      return c === 0 ? a.i - b.i : sign * c;
    })
    .map((x) => x.r);
}

/** Every word of the query must appear in the run's name, status, dataset, backend, split, tags or notes. */
export function filterRuns(rows: readonly RunRow[], query: string, status: string): RunRow[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return rows.filter((r) => {
    if (status && r.status !== status) return false;
    if (words.length === 0) return true;
    const hay = [r.name, r.status, r.datasetName ?? '', r.backend ?? '', r.splitKind ?? '', r.notes ?? '', ...r.tags, `#${r.id}`].join(' ').toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/** Clicking a header: a new key starts descending for numbers/dates (best first), ascending for text. */
export function nextSort(cur: SortState, key: SortKey): SortState {
  if (cur.key === key) return { key, dir: cur.dir === 'asc' ? 'desc' : 'asc' };
  const textual: SortKey[] = ['name', 'status', 'datasetName', 'splitKind', 'backend'];
  return { key, dir: textual.includes(key) ? 'asc' : 'desc' };
}
