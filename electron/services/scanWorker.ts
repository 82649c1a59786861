/**
 * Scans a dataset folder on a worker thread: the scan hashes every file and decodes it to check it, which would
 * otherwise hold the server's (or Electron main's) event loop for seconds on a big corpus, stalling every other
 * request and pushed event. Answers once (engine/workers/oneShot.ts), with throttled `ScanProgress` before.
 */
import { workerData } from 'node:worker_threads';
import { scanDataset } from '../engine/dataset/scan.js';
import { answerOnce } from '../engine/workers/oneShot.js';

export interface ScanWorkerInput {
  root: string;
  includeSong: boolean;
  statCacheFile: string;
}

export interface ScanProgress {
  done: number;
  total: number;
  file: string;
}

const input = workerData as ScanWorkerInput;
let last = 0;
await answerOnce<Awaited<ReturnType<typeof scanDataset>>, ScanProgress>((progress) =>
  scanDataset(input.root, {
    includeSong: input.includeSong,
    statCacheFile: input.statCacheFile,
    // Throttled here, before crossing threads: at most ~10 messages a second, plus the last one.
    onProgress: (done, total, file) => {
      const now = Date.now();
      if (done === total || now - last >= 100) {
        last = now;
        progress({ done, total, file });
      }
    },
  }),
);
