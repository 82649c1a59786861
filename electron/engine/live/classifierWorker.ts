/**
 * The streaming classifier's worker thread: loads the model and a TensorFlow.js backend once, then gates,
 * featurises and classifies each window it is sent. Feature extraction (≈ 2–3 ms) and inference (tens of ms on
 * wasm) run here so the thread that receives audio and draws the UI never blocks on them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend, isBackendName } from '../../../native/tf/backends.js';
import { toErrorInfo } from '../errors.js';
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
  // Warm-up: the first forward pass compiles kernels and allocates; keep that out of the first live window's latency.
  wc.infer(new Float32Array(m.extractor.chunkSize));
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
