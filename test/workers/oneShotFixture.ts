/** A one-shot worker for oneShot.test.ts: behaves as its workerData says. */
import { workerData } from 'node:worker_threads';
import { SerError } from '../../electron/shared/errors.js';
import { answerOnce } from '../../electron/engine/workers/oneShot.js';

const mode = workerData as 'count' | 'refuse' | 'exit' | 'hang';
if (mode === 'exit') process.exit(3);
await answerOnce<number, number>(async (progress) => {
  if (mode === 'refuse') throw new SerError('bad-input', 'clip.wav: not audio');
  if (mode === 'hang') await new Promise(() => setInterval(() => {}, 1000));
  for (let i = 1; i <= 3; i++) progress(i);
  return 42;
});
