/**
 * A sweep's trials as scatter points of one parameter against test UAR (pure, unit-tested): numbers on a linear axis,
 * or a log axis when they span a decade or more (learning rates); anything else (optimizer names) as categories. The
 * x range covers every trial's value, finished or not (the axis does not jump as results come in), with a margin so
 * points at the ends are not cut in half.
 */
import type { SweepDetail } from '../../../electron/contract/contract.js';

export interface ScatterPoint {
  x: number;
  y: number;
  label: string;
}

export interface ScatterData {
  /** How x reads: a number (`linear`, `log`) or the index of `categories`. */
  axis: 'linear' | 'log' | 'category';
  categories: string[];
  /** The x axis's range. */
  min: number;
  max: number;
  /** One point per completed trial (its fold's UAR). */
  trials: ScatterPoint[];
  /** One point per recipe with a result: its mean UAR over folds. */
  recipes: ScatterPoint[];
}

/** The parameters a sweep varies, in the order its trials name them. */
export function sweepParams(detail: Pick<SweepDetail, 'trials'> | null): string[] {
  const names: string[] = [];
  for (const t of detail?.trials ?? []) for (const k of Object.keys(t.params)) if (!names.includes(k)) names.push(k);
  return names;
}

const paramsText = (p: Record<string, unknown>) => Object.entries(p).map(([k, v]) => `${k}=${String(v)}`).join(' ');

export function scatterData(detail: Pick<SweepDetail, 'trials' | 'summary'>, param: string): ScatterData {
  const values = detail.trials.map((t) => t.params[param]);
  const numeric = values.length > 0 && values.every((v) => typeof v === 'number' && Number.isFinite(v));
  const categories: string[] = [];
  let axis: ScatterData['axis'] = 'category';
  let min: number;
  let max: number;
  if (numeric) {
    const nums = values as number[];
    const lo = Math.min(...nums);
    const hi = Math.max(...nums);
    axis = lo > 0 && hi / lo >= 10 ? 'log' : 'linear';
    const pad = axis === 'log' ? 0 : 0.08 * (hi - lo || Math.abs(hi) || 1);
    [min, max] = axis === 'log' ? [lo / 1.5, hi * 1.5] : [lo - pad, hi + pad];
  } else {
    for (const v of values) if (!categories.includes(String(v))) categories.push(String(v));
    [min, max] = [-0.5, categories.length - 0.5];
  }
  const xOf = (v: unknown) => (axis === 'category' ? categories.indexOf(String(v)) : (v as number));
  const has = (p: Record<string, unknown>) => p[param] !== undefined;
  return {
    axis,
    categories,
    min,
    max,
    trials: detail.trials
      .filter((t) => t.status === 'completed' && t.uar !== null && has(t.params))
      .map((t) => ({ x: xOf(t.params[param]), y: t.uar!, label: `trial ${t.id}, fold ${t.fold + 1}: ${paramsText(t.params)}` })),
    recipes: detail.summary
      .filter((r) => r.meanUar !== null && has(r.params))
      .map((r) => ({ x: xOf(r.params[param]), y: r.meanUar!, label: `mean of ${r.folds} fold(s): ${paramsText(r.params)}` })),
  };
}
