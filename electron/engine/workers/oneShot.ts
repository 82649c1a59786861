/**
 * One job on a worker thread, answered once: the dataset scan, the ensemble build and the backend probe run this
 * way so the server's (or Electron main's) event loop never holds for seconds. The worker calls `answerOnce`
 * (optional throttled progress, then one `done` or `error`); the caller's `OneShotWorkers.run` relays progress and
 * settles on the first answer, a crash or an exit, whichever comes first. Running workers are tracked so a closing
 * app can stop them.
 */
import { parentPort, type Worker } from 'node:worker_threads';
import { SerError, toErrorInfo, type ErrorCode } from '../../shared/errors.js';
import { startWorker } from './spawn.js';

/** What a one-shot worker posts. `P` is its progress payload (none for most jobs). */
export type OneShotMessage<R, P> =
  | { type: 'progress'; progress: P }
  | { type: 'done'; result: R }
  | { type: 'error'; error: { code: string; message: string } };

/**
 * Worker side: runs `job`, posting its progress and then its result or its error (`{code, message}`, rebuilt into a
 * SerError by the caller — an Error object does not cross threads with its code).
 */
export async function answerOnce<R, P = never>(job: (progress: (p: P) => void) => Promise<R>): Promise<void> {
  const post = (m: OneShotMessage<R, P>) => parentPort?.postMessage(m);
  try {
    const result = await job((progress) => post({ type: 'progress', progress }));
    post({ type: 'done', result });
  } catch (err) {
    const info = toErrorInfo(err);
    post({ type: 'error', error: { code: info.code, message: info.message } });
  }
}

export interface OneShotJob<P> {
  /** The job as the user reads it in an error: "`scanning /data` failed: …", "`building the ensemble` stopped …". */
  what: string;
  workerData?: unknown;
  onProgress?: (p: P) => void;
  /** The error code when the worker crashes or exits without answering (default: `internal` / `cancelled`). */
  failCode?: ErrorCode;
}

/** Caller side: the one-shot workers of one service. */
export class OneShotWorkers {
  readonly #running = new Set<Worker>();

  /** `callerUrl` is the `import.meta.url` of the module the worker file sits beside (see `startWorker`). */
  constructor(private readonly callerUrl: string) {}

  run<R, P = never>(baseName: string, job: OneShotJob<P>): Promise<R> {
    return new Promise<R>((resolvePromise, reject) => {
      const worker = startWorker(this.callerUrl, baseName, job.workerData === undefined ? {} : { workerData: job.workerData });
      this.#running.add(worker);
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        this.#running.delete(worker);
        void worker.terminate(); // a worker that answered may still hold a tfjs backend alive
        fn();
      };
      worker.on('message', (m: OneShotMessage<R, P>) => {
        if (m.type === 'progress') job.onProgress?.(m.progress);
        else if (m.type === 'done') settle(() => resolvePromise(m.result));
        else settle(() => reject(new SerError(m.error.code as ErrorCode, m.error.message)));
      });
      worker.once('error', (err) => settle(() => reject(new SerError(job.failCode ?? 'internal', `${job.what} failed: ${err.message}`))));
      worker.once('exit', (code) => settle(() => reject(new SerError(job.failCode ?? 'cancelled', `${job.what} stopped (worker exit code ${code})`))));
    });
  }

  /** Stops the jobs still running (the app is closing). */
  async close(): Promise<void> {
    const running = [...this.#running];
    this.#running.clear();
    await Promise.all(running.map((w) => w.terminate()));
  }
}
