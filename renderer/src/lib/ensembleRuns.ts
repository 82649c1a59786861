/** Which of the compared runs "Combine into an ensemble" takes: those with an exported model (finished runs). */
import type { RunDetail } from '../../../electron/contract/contract.js';

export interface EnsembleRuns {
  /** Runs with an exported model, in the order compared (the first one's scaler becomes the ensemble's). */
  ids: number[];
  /** Runs left out: no exported model (not finished). */
  without: number[];
}

export function ensembleRuns(runs: readonly RunDetail[]): EnsembleRuns {
  const has = (d: RunDetail) => d.models.some((m) => m.kind === 'export');
  return { ids: runs.filter(has).map((d) => d.run.id), without: runs.filter((d) => !has(d)).map((d) => d.run.id) };
}

/** "#3, #5 and #7". */
export function runList(ids: readonly number[]): string {
  const names = ids.map((id) => `#${id}`);
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** Says which runs are left out (none: ''). */
export function leftOutText(without: readonly number[]): string {
  if (without.length === 0) return '';
  const one = without.length === 1;
  return `${one ? 'Run' : 'Runs'} ${runList(without)} ${one ? 'has' : 'have'} no exported model and ${one ? 'is' : 'are'} left out.`;
}
