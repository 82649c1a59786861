/** The metrics table `ser train`, `ser eval <run>` and `ser eval --model --data` print for humans. */
import { EMOTIONS, type Emotion } from '../shared/labels.js';

export interface ClassRow {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface TableMetrics {
  accuracy: number;
  uar: number;
  macroF1: number;
  confusion: number[][];
  /** Per class, as stored (rows) or as computed (a record by emotion). */
  perClass: ClassRow[] | Record<Emotion, Omit<ClassRow, 'label'>>;
}

export const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : `${(100 * x).toFixed(1)}%`);

/** `absent` classes (none in the data) show "absent" instead of scores that would read as a measured 0. */
export function metricsTable(m: TableMetrics, opts: { absent?: readonly Emotion[] } = {}): string {
  const rows: ClassRow[] = Array.isArray(m.perClass) ? m.perClass : EMOTIONS.map((e) => ({ label: e, ...(m.perClass as Record<Emotion, Omit<ClassRow, 'label'>>)[e] }));
  const absent = new Set<string>(opts.absent ?? []);
  const lines = [`  accuracy ${pct(m.accuracy)}   UAR ${pct(m.uar)}   macro F1 ${m.macroF1.toFixed(3)}`, '', '  class       precision  recall     F1  support'];
  for (const r of rows) {
    if (absent.has(r.label)) lines.push(`  ${r.label.padEnd(10)} ${'absent from the data'.padStart(24)} ${String(r.support).padStart(8)}`);
    else lines.push(`  ${r.label.padEnd(10)} ${pct(r.precision).padStart(9)} ${pct(r.recall).padStart(7)} ${r.f1.toFixed(2).padStart(6)} ${String(r.support).padStart(8)}`);
  }
  lines.push('', '  confusion (rows = true, columns = predicted)');
  lines.push('  ' + ' '.repeat(10) + EMOTIONS.map((e) => e.slice(0, 5).padStart(6)).join(''));
  m.confusion.forEach((row, i) => lines.push(`  ${EMOTIONS[i]!.padEnd(10)}` + row.map((v) => String(v).padStart(6)).join('')));
  return lines.join('\n');
}
