/**
 * Data-parallel training across worker threads (issue 4: tfjs' wasm threads need a browser Worker, so Node gets
 * its parallelism here instead). Each step splits the batch into one contiguous slice per worker; every worker
 * (./gradient_worker.ts: its own backend instance and model copy) computes the mean loss and gradients of its
 * slice at the current weights, with its own micro-batching; this thread sums them weighted by slice size (= the
 * whole batch's mean gradient), adds weight decay and applies the optimizer update to `model`, whose weights the
 * next step sends out again (147,560 floats: under a millisecond).
 *
 * Same semantics as createTrainer(...).step except BatchNorm's moving statistics: each worker updates its copy
 * from its own micro-batches and `model` takes their average (weighted by slice size) after every step.
 * The update runs on this thread's backend; the workers use `backend` (default wasm).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../workers/spawn.js';
import { defaultTrainConfig, type TrainConfig } from './config.js';
import type { GradientWorkerInit, WorkerReply, WorkerRequest } from './gradient_protocol.js';
import { applyUpdate, makeOptimizer, type StepOptions, type StepResult } from './trainer.js';

export interface ParallelOptions {
  /** Worker threads, ≥ 1. Default 2 (one per core of a small machine; the calling thread only waits). */
  workers?: number;
  /** Backend of the workers. Default 'wasm'. */
  backend?: 'wasm' | 'cpu';
}

export interface ParallelTrainer {
  readonly config: TrainConfig;
  readonly workers: number;
  /** One update from features xs [B, chunks, mel, frames, 1] and one-hot labels ys [B, classes]. */
  step(xs: tf.Tensor, ys: tf.Tensor, opts?: StepOptions): Promise<StepResult>;
  /** Stops the workers; pending steps reject. */
  dispose(): Promise<void>;
}

interface Pending {
  resolve(r: Extract<WorkerReply, { type: 'result' }>): void;
  reject(e: Error): void;
}

/** One worker with request/response bookkeeping; every pending request rejects if it fails or exits. */
class GradientWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | undefined;
  readonly ready: Promise<void>;

  constructor(private readonly worker: Worker) {
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise((res, rej) => ((readyResolve = res), (readyReject = rej)));
    const fail = (e: Error) => {
      this.failure ??= e;
      readyReject(e);
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('message', (m: WorkerReply) => {
      if (m.type === 'ready') return readyResolve();
      const p = this.pending.get(m.id);
      if (m.type === 'error' && m.id === 0) return fail(new Error(`gradient worker failed to start: ${m.message}`));
      if (!p) return;
      this.pending.delete(m.id);
      if (m.type === 'error') p.reject(new Error(`gradient worker: ${m.message}`));
      else p.resolve(m);
    });
    worker.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
    worker.on('exit', (code) => fail(new Error(`gradient worker exited (code ${code})`)));
  }

  request(m: Omit<Extract<WorkerRequest, { type: 'step' }>, 'id'>, transfer: ArrayBuffer[]): Promise<Extract<WorkerReply, { type: 'result' }>> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...m, id }, transfer);
    });
  }

  async close(): Promise<void> {
    this.failure ??= new Error('gradient worker closed');
    this.worker.postMessage({ type: 'close', id: 0 } satisfies WorkerRequest);
    await this.worker.terminate();
  }
}

/** The model as tfjs artifacts (topology + all weights), for the workers to rebuild it. */
async function artifactsOf(model: LayersModel): Promise<GradientWorkerInit & { backend: never }> {
  let out: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      out = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = out!;
  const weightData = a.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(a.weightData);
  return { modelTopology: a.modelTopology as object, weightSpecs: (a.weightSpecs ?? []) as GradientWorkerInit['weightSpecs'], weightData } as GradientWorkerInit & { backend: never };
}

/** Creates a data-parallel trainer for `model` (the same TrainConfig defaults as createTrainer). */
export async function createParallelTrainer(model: LayersModel, partial: Partial<TrainConfig> = {}, opts: ParallelOptions = {}): Promise<ParallelTrainer> {
  const config: TrainConfig = { ...defaultTrainConfig, ...partial };
  const n = Math.max(1, Math.floor(opts.workers ?? 2));
  const optimizer = makeOptimizer(config);
  const art = await artifactsOf(model);
  const workers = Array.from({ length: n }, () => new GradientWorker(startWorker(import.meta.url, 'gradient_worker', { workerData: { ...art, backend: opts.backend ?? 'wasm' } })));
  try {
    await Promise.all(workers.map((w) => w.ready));
  } catch (err) {
    await Promise.all(workers.map((w) => w.close()));
    throw err;
  }

  async function step(xs: tf.Tensor, ys: tf.Tensor, stepOpts: StepOptions = {}): Promise<StepResult> {
    const batch = xs.shape[0];
    if (ys.shape[0] !== batch) throw new RangeError(`trainer: ${batch} inputs but ${ys.shape[0]} labels`);
    const used = Math.min(n, batch);
    const per = Math.ceil(batch / used);
    const xData = xs.dataSync() as Float32Array;
    const yData = ys.dataSync() as Float32Array;
    const xRow = xs.size / batch;
    const yRow = ys.size / batch;
    const weights = model.weights.map((w) => w.read().dataSync() as Float32Array);
    const slices: { start: number; count: number }[] = [];
    for (let s = 0; s < batch; s += per) slices.push({ start: s, count: Math.min(per, batch - s) });
    const results = await Promise.all(
      slices.map(({ start, count }, i) => {
        const x = xData.slice(start * xRow, (start + count) * xRow);
        const y = yData.slice(start * yRow, (start + count) * yRow);
        const msg = { type: 'step' as const, weights, xs: x, xsShape: [count, ...xs.shape.slice(1)], ys: y, ysShape: [count, ...ys.shape.slice(1)], microBatch: stepOpts.microBatch ?? count };
        return workers[i].request(msg, [x.buffer as ArrayBuffer, y.buffer as ArrayBuffer]);
      }),
    );
    // Whole-batch mean = Σ (slice size / batch) · slice mean.
    const share = slices.map((s) => s.count / batch);
    const mix = (arrays: (r: (typeof results)[number]) => Float32Array[], k: number): Float32Array => {
      const out = new Float32Array(arrays(results[0])[k].length);
      results.forEach((r, i) => {
        const a = arrays(r)[k];
        for (let j = 0; j < out.length; j++) out[j] += share[i] * a[j];
      });
      return out;
    };
    const grads: tf.NamedTensorMap = {};
    model.trainableWeights.forEach((w, k) => {
      const v = w.read() as tf.Variable;
      grads[v.name] = tf.tensor(mix((r) => r.grads, k), v.shape, 'float32');
    });
    applyUpdate(optimizer, model, grads, config.weightDecay);
    model.nonTrainableWeights.forEach((w, k) => {
      const t = tf.tensor(mix((r) => r.state, k), w.shape as number[], 'float32');
      w.write(t); // the variable takes a reference to t's data
      t.dispose();
    });
    return { loss: results.reduce((l, r, i) => l + share[i] * r.loss, 0), correct: results.reduce((c, r) => c + r.correct, 0) };
  }

  return {
    config,
    workers: n,
    step,
    async dispose() {
      optimizer.dispose();
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
