/**
 * Builds an ensemble on a worker thread: loading every member, rebuilding their networks side by side and writing
 * the weights takes TensorFlow.js and a few seconds the server's (or Electron main's) thread should not spend.
 * Posts one `EnsembleWorkerMessage`: the result (plain data) or the error (`{code, message}`, rebuilt by the caller).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../../native/tf/backends.js';
import { makeEnsemble, type EnsembleOptions, type EnsembleResult } from '../engine/training/ensemble.js';
import { toErrorInfo } from '../shared/errors.js';

export type EnsembleWorkerMessage = { type: 'done'; result: EnsembleResult } | { type: 'error'; error: { code: string; message: string } };

const post = (m: EnsembleWorkerMessage) => parentPort?.postMessage(m);
try {
  await selectBackend();
  post({ type: 'done', result: await makeEnsemble(workerData as EnsembleOptions) });
} catch (err) {
  const info = toErrorInfo(err);
  post({ type: 'error', error: { code: info.code, message: info.message } });
}
