/**
 * `npm run bench [-- --json] [-- --only name,name]`: every benchmark of the app. Human mode prints a table;
 * --json prints one object per line, {"name", "median_ms", "runs", …}. Modules that are not built yet (a
 * capability still in progress) are skipped with a note instead of failing the whole run.
 */
import type { BenchResult } from './stats.js';

interface Suite {
  name: string;
  load: () => Promise<(opts: { runs?: number }) => Promise<BenchResult[]>>;
}

const suites: Suite[] = [
  { name: 'audio', load: async () => (await import('./audio.js')).benchAudio },
  { name: 'features', load: async () => (await import(String('./features.js'))).benchFeatures },
  { name: 'train', load: async () => (await import(String('./train.js'))).benchTrain },
  { name: 'live', load: async () => (await import(String('./live.js'))).benchLive },
];

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const onlyIdx = argv.indexOf('--only');
  const only = onlyIdx >= 0 ? new Set((argv[onlyIdx + 1] ?? '').split(',')) : undefined;
  const runsIdx = argv.indexOf('--runs');
  const runs = runsIdx >= 0 ? Number(argv[runsIdx + 1]) : undefined;
  let failed = 0;
  for (const suite of suites) {
    if (only && !only.has(suite.name)) continue;
    let fn: Awaited<ReturnType<Suite['load']>> | undefined;
    try {
      fn = await suite.load();
    } catch {
      fn = undefined;
    }
    if (typeof fn !== 'function') {
      if (!json) process.stdout.write(`(${suite.name}: not available in this build)\n`);
      continue;
    }
    try {
      const results = await fn(runs ? { runs } : {});
      for (const r of results) {
        if (json) process.stdout.write(JSON.stringify(r) + '\n');
        else {
          const extra = Object.entries(r).filter(([k]) => !['name', 'median_ms', 'runs', 'min_ms', 'p90_ms'].includes(k)).map(([k, v]) => `${k}=${typeof v === 'number' ? v : JSON.stringify(v)}`).join('  ');
          process.stdout.write(`${r.name.padEnd(22)} ${String(r.median_ms).padStart(10)} ms  (median of ${r.runs})  ${extra}\n`);
        }
      }
    } catch (err) {
      failed++;
      process.stderr.write(`bench ${suite.name} failed: ${(err as Error).message}\n`);
    }
  }
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
