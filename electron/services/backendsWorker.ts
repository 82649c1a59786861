/**
 * Probes the TensorFlow.js backends on a worker thread: loading tfjs and initialising wasm takes a moment and
 * memory the server's (or Electron main's) thread should not spend. Posts `{ ok, backends | error }` once.
 */
import { parentPort } from 'node:worker_threads';
import { listBackends, selectBackend } from '../../native/tf/backends.js';

try {
  const selection = await selectBackend().catch(() => undefined);
  const backends = await listBackends();
  for (const b of backends) if (selection && b.name === selection.name) b.selected = true;
  parentPort?.postMessage({ ok: true, backends });
} catch (err) {
  parentPort?.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
}
