/** Sorting and filtering of the experiments table (pure; the view keeps the state). */
import type { RunGroupRow, RunRow } from '../../../electron/contract/contract.js';

export type SortKey = 'name' | 'status' | 'datasetName' | 'splitKind' | 'epochsDone' | 'bestValAccuracy' | 'testAccuracy' | 'uar' | 'durationMs' | 'backend' | 'startedAt';
export interface SortState {
  key: SortKey;
  dir: 'asc' | 'desc';
}

type Cell = string | number | null;

function value(r: RunRow, key: SortKey): Cell {
  if (key === 'startedAt') return r.startedAt ?? r.createdAt;
  return r[key];
}

/** What a cross-validation row shows in each column: its folds' means, totals and the group's own fields. */
function groupValue(g: RunGroupRow, key: SortKey): Cell {
  switch (key) {
    case 'startedAt':
      return g.startedAt ?? g.createdAt;
    case 'splitKind':
      return 'speaker';
    case 'bestValAccuracy':
      return null;
    case 'testAccuracy':
      return g.summary?.mean.accuracy ?? null;
    case 'uar':
      return g.summary?.mean.uar ?? null;
    default:
      return g[key];
  }
}

/** Stable sort by `get`; unknown values (null) always go last, whatever the direction. */
function sortBy<T>(rows: readonly T[], s: SortState, get: (r: T, key: SortKey) => Cell): T[] {
  const sign = s.dir === 'asc' ? 1 : -1;
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => {
      const va = get(a.r, s.key);
      const vb = get(b.r, s.key);
      if (va === null && vb === null) return a.i - b.i;
      if (va === null) return 1;
      if (vb === null) return -1;
      const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb), undefined, { numeric: true });
      return c === 0 ? a.i - b.i : sign * c;
    })
    .map((x) => x.r);
}

export function sortRuns(rows: readonly RunRow[], s: SortState): RunRow[] {
  return sortBy(rows, s, value);
}

function matches(hay: string[], words: string[]): boolean {
  const text = hay.join(' ').toLowerCase();
  return words.every((w) => text.includes(w));
}

const words = (query: string) => query.toLowerCase().split(/\s+/).filter(Boolean);

function runMatches(r: RunRow, w: string[], status: string): boolean {
  if (status && r.status !== status) return false;
  return w.length === 0 || matches([r.name, r.status, r.datasetName ?? '', r.backend ?? '', r.splitKind ?? '', r.notes ?? '', ...r.tags, `#${r.id}`], w);
}

/** Every word of the query must appear in the run's name, status, dataset, backend, split, tags or notes. */
export function filterRuns(rows: readonly RunRow[], query: string, status: string): RunRow[] {
  const w = words(query);
  return rows.filter((r) => runMatches(r, w, status));
}

export type ExperimentEntry =
  | { kind: 'run'; run: RunRow; child: boolean }
  | { kind: 'group'; group: RunGroupRow; children: RunRow[]; expanded: boolean };

/**
 * The table's rows: lone runs and cross-validation groups sorted together (a group by its folds' means), each
 * expanded group followed by its fold runs in fold order. A group shows when it or one of its folds matches the
 * filter; expanded, it lists all its folds if it matched itself, else the folds that did.
 */
export function experimentEntries(runs: readonly RunRow[], groups: readonly RunGroupRow[], query: string, status: string, sort: SortState, expanded: ReadonlySet<number>): ExperimentEntry[] {
  const w = words(query);
  const known = new Set(groups.map((g) => g.id));
  const folds = new Map<number, RunRow[]>(groups.map((g) => [g.id, []]));
  for (const r of runs) if (r.groupId !== null && known.has(r.groupId)) folds.get(r.groupId)!.push(r);
  type Top = { kind: 'run'; run: RunRow } | { kind: 'group'; group: RunGroupRow; children: RunRow[] };
  const top: Top[] = runs.filter((r) => (r.groupId === null || !known.has(r.groupId)) && runMatches(r, w, status)).map((run) => ({ kind: 'run' as const, run }));
  for (const g of groups) {
    const all = folds.get(g.id)!.sort((a, b) => (a.fold ?? 0) - (b.fold ?? 0) || a.id - b.id);
    const self = (!status || g.status === status) && (w.length === 0 || matches([g.name, g.status, g.datasetName ?? '', g.backend ?? '', 'cv cross-validation speaker', `#cv${g.id}`], w));
    const children = self ? all : all.filter((r) => runMatches(r, w, status));
    if (self || children.length) top.push({ kind: 'group', group: g, children });
  }
  const sorted = sortBy(top, sort, (t, key) => (t.kind === 'run' ? value(t.run, key) : groupValue(t.group, key)));
  return sorted.flatMap((t): ExperimentEntry[] =>
    t.kind === 'run'
      ? [{ kind: 'run', run: t.run, child: false }]
      : [{ kind: 'group', group: t.group, children: t.children, expanded: expanded.has(t.group.id) }, ...(expanded.has(t.group.id) ? t.children.map((run) => ({ kind: 'run' as const, run, child: true })) : [])],
  );
}

/** Clicking a header: a new key starts descending for numbers/dates (best first), ascending for text. */
export function nextSort(cur: SortState, key: SortKey): SortState {
  if (cur.key === key) return { key, dir: cur.dir === 'asc' ? 'desc' : 'asc' };
  const textual: SortKey[] = ['name', 'status', 'datasetName', 'splitKind', 'backend'];
  return { key, dir: textual.includes(key) ? 'asc' : 'desc' };
}
