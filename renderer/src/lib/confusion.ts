/** Confusion-matrix helpers for the heatmap (pure). */

/** Rows normalised to sum 1 (an empty row stays 0). */
export function rowNormalise(m: readonly (readonly number[])[]): number[][] {
  return m.map((row) => {
    const s = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (s > 0 ? v / s : 0));
  });
}

/**
 * Background for a cell: the accent hue with alpha = share of the row; text turns light on dark cells. An empty
 * off-diagonal cell (no confusion) stays untinted, so the eye goes to the mistakes that happened; the diagonal
 * keeps a faint tint even at 0 to show where the correct answers belong.
 */
export function cellStyle(share: number, diagonal: boolean): { background: string; color: string } {
  const a = Math.max(0, Math.min(1, share));
  if (a === 0 && !diagonal) return { background: 'transparent', color: 'var(--fg-muted)' };
  const hue = diagonal ? 'var(--good-rgb)' : 'var(--bad-rgb)';
  return { background: `rgb(${hue} / ${(0.08 + a * 0.85).toFixed(3)})`, color: a > 0.55 ? '#fff' : 'inherit' };
}

/** Totals: correct on the diagonal over everything. */
export function accuracyOf(m: readonly (readonly number[])[]): number {
  let ok = 0;
  let all = 0;
  m.forEach((row, i) => row.forEach((v, j) => ((all += v), i === j && (ok += v))));
  return all ? ok / all : 0;
}
