/**
 * The streaming classifier's worker thread: loads the model and a TensorFlow.js backend once, then gates,
 * featurises and classifies each window it is sent. Feature extraction (≈ 2–3 ms) and inference (tens of ms on
 * wasm) run here so the thread that receives audio and draws the UI never blocks on them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend, isBackendName } from '../../../native/tf/backends.js';
import { toErrorInfo } from '../../shared/errors.js';
import { loadExportedModel } from '../training/exported.js';
import type { ClassifierWorkerInit, FromClassifierWorker, ToClassifierWorker } from './protocol.js';
import { WindowClassifier } from './windowClassifier.js';

const port = parentPort!;
const init = workerData as ClassifierWorkerInit;
const send = (m: FromClassifierWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

async function main(): Promise<void> {
  const backend = init.backend && isBackendName(init.backend) ? init.backend : undefined;
  const sel = await selectBackend(backend ? { backend } : {});
  const m = await loadExportedModel(init.modelDir);
  const wc = new WindowClassifier(m, init.gate);
  // Warm-up: the first passes compile kernels, allocate and let V8 optimise the feature loops (≈ 100 ms + 70 ms
  // cold vs ≈ 4 + 20 ms warm); keep that out of the first live windows' latency. A loud noise window passes the gate.
  const noise = new Float32Array(wc.windowFrames);
  for (let i = 0; i < noise.length; i++) noise[i] = Math.sin(i * 0.05) * 0.3 + ((i * 7919) % 1000) / 5000 - 0.1;
  for (let i = 0; i < 3; i++) wc.classify(noise);
  port.on('message', (msg: ToClassifierWorker) => {
    if (msg.type === 'close') {
      m.dispose();
      port.close();
      return;
    }
    try {
      const r = wc.classify(msg.samples);
      send({ type: 'result', id: msg.id, rms: r.rms, voicedFraction: r.voicedFraction, voiced: r.voiced, probs: r.probs, featuresMs: r.featuresMs, inferenceMs: r.inferenceMs, samples: msg.samples }, [
        msg.samples.buffer as ArrayBuffer,
      ]);
    } catch (err) {
      send({ type: 'error', error: toErrorInfo(err) });
    }
  });
  send({ type: 'ready', backend: sel.name, windowFrames: wc.windowFrames, sampleRate: wc.sampleRate, runId: m.metadata.runId ?? null });
}

main().catch((err: unknown) => send({ type: 'error', error: toErrorInfo(err) }));
