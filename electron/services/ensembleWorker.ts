/**
 * Builds an ensemble on a worker thread: loading every member, rebuilding their networks side by side and writing
 * the weights takes TensorFlow.js and a few seconds the server's (or Electron main's) thread should not spend.
 * Answers once (engine/workers/oneShot.ts) with the `EnsembleResult`.
 */
import { workerData } from 'node:worker_threads';
import { selectBackend } from '../../native/tf/backends.js';
import { makeEnsemble, type EnsembleOptions } from '../engine/training/ensemble.js';
import { answerOnce } from '../engine/workers/oneShot.js';

await answerOnce(async () => {
  await selectBackend();
  return makeEnsemble(workerData as EnsembleOptions);
});
