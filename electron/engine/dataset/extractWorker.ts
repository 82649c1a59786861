/**
 * Feature-extraction worker: reads a file, checks it is still the content the scan hashed, computes the
 * mel dB and writes it to the cache. Replies with ok or the reason, one message per job.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FeatureExtractor, type FeatureConfig } from '../audio/features.js';
import { dirname } from 'node:path';
import type { CopyAugment } from './featureCache.js';

export interface ExtractWorkerData {
  /** `<dataDir>/features/<configHash>` */
  dataDirRoot: string;
  config: FeatureConfig;
}
export interface ExtractJob {
  id: number;
  absPath: string;
  contentHash: string;
  augment?: CopyAugment;
}
export type ExtractReply = { id: number; type: 'done'; ms: number } | { id: number; type: 'failed'; message: string };

if (parentPort) {
  const port = parentPort;
  const data = workerData as ExtractWorkerData;
  const { FeatureCache, cacheKey, computeChecked } = await import('./featureCache.js');
  // featureCache.root is <dataDir>/features/<hash>; rebuild the cache from its data dir.
  const cache = new FeatureCache(dirname(dirname(data.dataDirRoot)), data.config);
  const fx = new FeatureExtractor(data.config);
  port.on('message', async (job: ExtractJob) => {
    const t0 = performance.now();
    try {
      cache.write(cacheKey(job), await computeChecked(fx, job), job.absPath);
      port.postMessage({ id: job.id, type: 'done', ms: performance.now() - t0 } satisfies ExtractReply);
    } catch (err) {
      port.postMessage({ id: job.id, type: 'failed', message: (err as Error).message } satisfies ExtractReply);
    }
  });
}
