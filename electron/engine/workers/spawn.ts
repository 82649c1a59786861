/**
 * Starts a worker thread from a module next to the caller. Compiled code (dist/, the app) runs the .js
 * file directly; the TypeScript sources (tests under vitest, `tsx`) go through tsx's loader, registered
 * inside the worker because Node 20 workers do not take `--import` in execArgv.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startWorker(callerUrl: string, baseName: string, options: WorkerOptions = {}): Worker {
  const fromTs = callerUrl.endsWith('.ts');
  const target = new URL(`./${baseName}.${fromTs ? 'ts' : 'js'}`, callerUrl);
  if (!fromTs) return new Worker(target, options);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(target.href)}); })`;
  return new Worker(code, { ...options, eval: true });
}
