/** Display formatting shared by the views. Pure functions (unit-tested under Node). */

export function pct(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(digits)} %`;
}

export function num(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

/** 3 723 000 ms → "1 h 02 min", 65 000 → "1 min 05 s", 4 200 → "4.2 s". */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min ${String(sec).padStart(2, '0')} s`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "21, 22 ,x" → ["21","22","x"]; empty → []. */
export function parseList(s: string): string[] {
  return s.split(/[,\s]+/).map((x) => x.trim()).filter(Boolean);
}

/** Mean ± sd of fractions, as percentages: (0.412, 0.031) → "41.2 ± 3.1 %". */
export function pctSd(mean: number | null | undefined, sd: number | null | undefined, digits = 1): string {
  if (mean === null || mean === undefined || !Number.isFinite(mean)) return '—';
  return sd === null || sd === undefined || !Number.isFinite(sd) ? pct(mean, digits) : `${(mean * 100).toFixed(digits)} ± ${(sd * 100).toFixed(digits)} %`;
}
