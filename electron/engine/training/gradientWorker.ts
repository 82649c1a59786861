/**
 * A data-parallel gradient worker (see ./parallelTrainer.ts): its own tfjs backend (wasm: one WebAssembly
 * instance and heap per worker thread) and its own copy of the model. Per request it takes the current weights
 * (only when they changed since its last request), then either computes the loss and gradients of its slice of a
 * batch or the class probabilities of a slice of windows. It never updates weights itself.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../../native/tf/backends.js';
import { Rng } from '../audio/rng.js';
import { predict } from '../model/build.js';
import type { GradientWorkerInit, SliceInputs, WeightsUpdate, WorkerReply, WorkerRequest } from './gradientProtocol.js';
import '../model/layers.js';
import '../model/ensembleLayers.js';
import '../model/speakerAdversary.js'; // a speaker-adversarial training network's gradient reversal
import { createTrainer, type Trainer } from './trainer.js';
import { threadCpuMs } from './threadCpu.js';

const port = parentPort!;
const init = workerData as GradientWorkerInit;
const send = (m: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const unseeded = Math.random;

let model: LayersModel;
let trainer: Trainer;
let version = -1;
/** When the previous reply was posted (idle time until the next request). */
let lastReply = NaN;
/** The next step's inputs, taken into tensors ahead of it (StageRequest), with the buffers they came in. */
let staged: { xs: tf.Tensor; ys: tf.Tensor; buffers: SliceInputs } | undefined;

function take(inputs: SliceInputs): NonNullable<typeof staged> {
  return { xs: tf.tensor(inputs.xs, inputs.xsShape, 'float32'), ys: tf.tensor(inputs.ys, inputs.ysShape, 'float32'), buffers: inputs };
}

function stage(m: Extract<WorkerRequest, { type: 'stage' }>): void {
  if (staged) tf.dispose([staged.xs, staged.ys]);
  staged = take(m);
}

function setWeights(w: WeightsUpdate | undefined): void {
  if (!w) {
    if (version < 0) throw new Error('no weights received yet');
    return;
  }
  tf.tidy(() => model.setWeights(w.values.map((v, i) => tf.tensor(v, model.weights[i].shape as number[], 'float32'))));
  version = w.version;
}

function step(m: Extract<WorkerRequest, { type: 'step' }>): void {
  const t0 = performance.now();
  const c0 = threadCpuMs();
  setWeights(m.weights);
  // tfjs draws dropout masks from Math.random: a per-step seed makes the masks a function of the run's state.
  if (m.seed === undefined) Math.random = unseeded;
  else {
    const rng = new Rng(m.seed);
    Math.random = () => rng.next();
  }
  if (!m.inputs && !staged) throw new Error('step without inputs: none were staged');
  if (m.inputs && staged) tf.dispose([staged.xs, staged.ys]); // staged for a step that did not come
  const { xs, ys, buffers } = m.inputs ? take(m.inputs) : staged!;
  staged = undefined;
  const t1 = performance.now();
  try {
    const { loss, correct, grads } = trainer.gradients(xs, ys, { microBatch: m.microBatch });
    const out = model.trainableWeights.map((w) => (grads[(w.read() as tf.Variable).name].dataSync() as Float32Array).slice());
    tf.dispose(Object.values(grads));
    const state = model.nonTrainableWeights.map((w) => (w.read().dataSync() as Float32Array).slice());
    const t2 = performance.now();
    const timing = { idleMs: t0 - lastReply, setupMs: t1 - t0, computeMs: t2 - t1, cpuMs: threadCpuMs() - c0 };
    const spent = { xs: buffers.xs, ys: buffers.ys };
    send({ type: 'result', id: m.id, loss, correct, grads: out, state, timing, spent }, [...out, ...state, spent.xs, spent.ys].map((a) => a.buffer as ArrayBuffer));
    lastReply = performance.now();
  } finally {
    tf.dispose([xs, ys]);
  }
}

function probs(m: Extract<WorkerRequest, { type: 'predict' }>): void {
  setWeights(m.weights);
  const xs = tf.tensor(m.xs, m.xsShape, 'float32');
  try {
    const p = predict(model, xs, init.classes);
    const out = (p.dataSync() as Float32Array).slice();
    p.dispose();
    send({ type: 'probs', id: m.id, probs: out }, [out.buffer as ArrayBuffer]);
    lastReply = performance.now();
  } finally {
    xs.dispose();
  }
}

async function main(): Promise<void> {
  await selectBackend({ backend: init.backend });
  model = await loadLayersModel(tf.io.fromMemory({ modelTopology: init.modelTopology, weightSpecs: init.weightSpecs as tf.io.WeightsManifestEntry[], weightData: init.weightData }));
  trainer = createTrainer(model, {}, init.classes !== undefined ? { classes: init.classes } : {});
  port.on('message', (m: WorkerRequest) => {
    if (m.type === 'close') {
      model.dispose();
      port.close();
      return;
    }
    try {
      if (m.type === 'step') step(m);
      else if (m.type === 'stage') stage(m);
      else probs(m);
    } catch (err) {
      send({ type: 'error', id: m.id, message: err instanceof Error ? err.message : String(err) });
    }
  });
  send({ type: 'ready', id: 0 });
}

main().catch((err) => send({ type: 'error', id: 0, message: err instanceof Error ? err.message : String(err) }));
