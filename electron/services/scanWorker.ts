/**
 * Scans a dataset folder on a worker thread: the scan hashes every file and decodes it to check it, which would
 * otherwise hold the server's (or Electron main's) event loop for seconds on a big corpus, stalling every other
 * request and pushed event. Posts throttled `progress` messages, then one `done` (the scan result, plain data) or
 * `error` (`{code, message}`, rebuilt into a SerError by the caller).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { scanDataset } from '../engine/dataset/scan.js';
import { toErrorInfo } from '../shared/errors.js';

export interface ScanWorkerInput {
  root: string;
  includeSong: boolean;
  statCacheFile: string;
}

export type ScanWorkerMessage =
  | { type: 'progress'; done: number; total: number; file: string }
  | { type: 'done'; result: Awaited<ReturnType<typeof scanDataset>> }
  | { type: 'error'; error: { code: string; message: string } };

const input = workerData as ScanWorkerInput;
const post = (m: ScanWorkerMessage) => parentPort?.postMessage(m);
let last = 0;
try {
  const result = await scanDataset(input.root, {
    includeSong: input.includeSong,
    statCacheFile: input.statCacheFile,
    // Throttled here, before crossing threads: at most ~10 messages a second, plus the last one.
    onProgress: (done, total, file) => {
      const now = Date.now();
      if (done === total || now - last >= 100) {
        last = now;
        post({ type: 'progress', done, total, file });
      }
    },
  });
  post({ type: 'done', result });
} catch (err) {
  const info = toErrorInfo(err);
  post({ type: 'error', error: { code: info.code, message: info.message } });
}
