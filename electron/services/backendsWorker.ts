/**
 * Probes the TensorFlow.js backends on a worker thread: loading tfjs and initialising wasm takes a moment and
 * memory the server's (or Electron main's) thread should not spend. Answers once (engine/workers/oneShot.ts) with
 * the `BackendInfo[]`.
 */
import { listBackends, selectBackend } from '../../native/tf/backends.js';
import { answerOnce } from '../engine/workers/oneShot.js';

await answerOnce(async () => {
  const selection = await selectBackend().catch(() => undefined);
  const backends = await listBackends();
  for (const b of backends) if (selection && b.name === selection.name) b.selected = true;
  return backends;
});
