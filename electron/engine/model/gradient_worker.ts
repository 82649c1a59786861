/**
 * A data-parallel gradient worker (see ./parallel_trainer.ts): its own tfjs backend (wasm: one WebAssembly
 * instance and heap per worker thread) and its own copy of the model; per request it takes the current weights,
 * computes the loss and gradients of its slice of the batch, and returns them. It never updates weights itself.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../../native/tf/backends.js';
import type { GradientWorkerInit, WorkerReply, WorkerRequest } from './gradient_protocol.js';
import './layers.js';
import { createTrainer, type Trainer } from './trainer.js';

const port = parentPort!;
const init = workerData as GradientWorkerInit;
const send = (m: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

let model: LayersModel;
let trainer: Trainer;

function step(m: Extract<WorkerRequest, { type: 'step' }>): void {
  tf.tidy(() => model.setWeights(m.weights.map((w, i) => tf.tensor(w, model.weights[i].shape as number[], 'float32'))));
  const xs = tf.tensor(m.xs, m.xsShape, 'float32');
  const ys = tf.tensor(m.ys, m.ysShape, 'float32');
  try {
    const { loss, correct, grads } = trainer.gradients(xs, ys, { microBatch: m.microBatch });
    const out = model.trainableWeights.map((w) => (grads[(w.read() as tf.Variable).name].dataSync() as Float32Array).slice());
    tf.dispose(Object.values(grads));
    const state = model.nonTrainableWeights.map((w) => (w.read().dataSync() as Float32Array).slice());
    send({ type: 'result', id: m.id, loss, correct, grads: out, state }, [...out, ...state].map((a) => a.buffer as ArrayBuffer));
  } finally {
    tf.dispose([xs, ys]);
  }
}

async function main(): Promise<void> {
  await selectBackend({ backend: init.backend });
  model = await loadLayersModel(tf.io.fromMemory({ modelTopology: init.modelTopology, weightSpecs: init.weightSpecs as tf.io.WeightsManifestEntry[], weightData: init.weightData }));
  trainer = createTrainer(model);
  port.on('message', (m: WorkerRequest) => {
    if (m.type === 'close') {
      model.dispose();
      port.close();
      return;
    }
    try {
      step(m);
    } catch (err) {
      send({ type: 'error', id: m.id, message: err instanceof Error ? err.message : String(err) });
    }
  });
  send({ type: 'ready', id: 0 });
}

main().catch((err) => send({ type: 'error', id: 0, message: err instanceof Error ? err.message : String(err) }));
