/** What `ser tune` prints at the end: the base and the tuned model on the held-out takes, side by side. */
import { EMOTIONS } from '../shared/labels.js';
import type { BeforeAfter } from '../engine/training/tuneTypes.js';
import { pct } from './metricsTable.js';

function matrixLines(m: number[][]): string[] {
  return [' '.repeat(9) + EMOTIONS.map((e) => e.slice(0, 4).padStart(5)).join(''), ...m.map((row, i) => EMOTIONS[i]!.padEnd(9) + row.map((v) => String(v).padStart(5)).join(''))];
}

export function beforeAfterText(before: BeforeAfter, after: BeforeAfter, heldOut: number): string {
  const left = matrixLines(before.confusion);
  const right = matrixLines(after.confusion);
  const width = Math.max(...left.map((l) => l.length)) + 4;
  const lines = [
    `held-out takes: ${heldOut} (never tuned on)`,
    '',
    `  | Model | Accuracy | UAR |`,
    `  |---|---|---|`,
    `  | base  | ${pct(before.accuracy)} | ${pct(before.uar)} |`,
    `  | tuned | ${pct(after.accuracy)} | ${pct(after.uar)} |`,
    '',
    '  ' + 'base (rows = true, columns = predicted)'.padEnd(width) + 'tuned',
    ...left.map((l, i) => '  ' + l.padEnd(width) + right[i]),
  ];
  return lines.join('\n');
}
