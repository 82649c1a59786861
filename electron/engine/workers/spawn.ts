/**
 * Starts a worker thread from a module next to the caller. Compiled code (dist/, the app) runs the .js
 * file directly; the TypeScript sources (tests under vitest, `tsx`) go through tsx's loader, registered
 * inside the worker because Node 20 workers do not take `--import` in execArgv.
 */
import { setFlagsFromString } from 'node:v8';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Initial old-generation size (MB) of every worker isolate. Training workers allocate little on the JS heap but
 * several MB of ArrayBuffers per step (weights out, gradients back, tensor reads), and V8 counts that external
 * memory against a small new heap's old-generation limit: with the default, each gradient worker ran about one full
 * mark-compact per training step (31 in 30 steps; 6 with this), plus concurrent marking on the cores the other
 * worker computes on. Measured: `ser bench train` with 2 workers 11.8 → 11.4 ms per sample; peak RSS 904 → 939 MB
 * (the wasm heaps dominate). V8 reads it when an isolate's heap is set up, so it holds for workers started after.
 */
const WORKER_INITIAL_OLD_SPACE_MB = 128;
let heapFlagsSet = false;

export function startWorker(callerUrl: string, baseName: string, options: WorkerOptions = {}): Worker {
  if (!heapFlagsSet) {
    heapFlagsSet = true;
    setFlagsFromString(`--initial-old-space-size=${WORKER_INITIAL_OLD_SPACE_MB}`);
  }
  const fromTs = callerUrl.endsWith('.ts');
  const target = new URL(`./${baseName}.${fromTs ? 'ts' : 'js'}`, callerUrl);
  if (!fromTs) return new Worker(target, options);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(target.href)}); })`;
  return new Worker(code, { ...options, eval: true });
}
