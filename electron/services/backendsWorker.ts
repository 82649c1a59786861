/**
 * Probes the TensorFlow.js backends on a worker thread: loading tfjs and initialising wasm takes a moment and
 * memory the server's (or Electron main's) thread should not spend. Posts one `BackendsWorkerMessage`.
 */
import { parentPort } from 'node:worker_threads';
import { listBackends, selectBackend } from '../../native/tf/backends.js';
import type { BackendInfo } from '../contract/types.js';

export type BackendsWorkerMessage = { type: 'backends'; backends: BackendInfo[] } | { type: 'error'; error: string };
const post = (m: BackendsWorkerMessage) => parentPort?.postMessage(m);

try {
  const selection = await selectBackend().catch(() => undefined);
  const backends = await listBackends();
  for (const b of backends) if (selection && b.name === selection.name) b.selected = true;
  post({ type: 'backends', backends });
} catch (err) {
  post({ type: 'error', error: err instanceof Error ? err.message : String(err) });
}
