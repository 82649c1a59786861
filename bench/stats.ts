/** Timing helpers shared by the benchmarks: warm-up, then the median of many runs. */
export interface BenchResult {
  name: string;
  median_ms: number;
  runs: number;
  /** Extra figures a benchmark wants to report (throughput, sizes, …). */
  [extra: string]: unknown;
}

/** `--name value` from the command line, or `def`: the bench scripts' one way to read their flags. */
export function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : def;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs `fn` `warmup` times untimed, then `runs` times timed; returns the median in ms. */
export async function time(name: string, fn: () => unknown, opts: { runs?: number; warmup?: number } = {}): Promise<BenchResult> {
  const runs = opts.runs ?? 50;
  const warmup = opts.warmup ?? 30; // enough for V8 to optimise the hot loops (steady state is what users get)
  for (let i = 0; i < warmup; i++) await fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  return { name, median_ms: round3(median(t)), runs, min_ms: round3(Math.min(...t)), p90_ms: round3(median(t.filter((x) => x >= median(t))) ) };
}

/** Two decimals: ms per sample and ratios in the benchmarks' JSON lines. */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
