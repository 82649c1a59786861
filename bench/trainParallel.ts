/**
 * Data-parallel training benchmark: `npx tsx bench/trainParallel.ts [--workers 2] [--batch 32] [--steps 3]`
 * (or node dist/bench/trainParallel.js after `npm run build`). Prints the same JSON keys as `ser bench train --json`
 * plus `workers`. Runs on wasm workers; this thread's backend (wasm) only applies the updates.
 */
import { selectBackend } from '../native/tf/backends.js';
import { benchmarkParallelTraining } from '../electron/engine/training/trainBenchmark.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

const { name } = await selectBackend({ backend: 'wasm' });
const r = await benchmarkParallelTraining({ workers: Number(arg('workers', '2')), batchSize: Number(arg('batch', '32')), microBatch: Number(arg('micro-batch', '8')), steps: Number(arg('steps', '3')) });
process.stdout.write(JSON.stringify({ backend: name, ...r }) + '\n');
