/**
 * Data-parallel training across worker threads (tfjs' wasm threads need a browser Worker, so Node gets its
 * parallelism here instead). Each step splits the batch into one contiguous slice per worker; every worker
 * (./gradientWorker.ts: its own backend instance and model copy) computes the mean loss and gradients of its
 * slice at the current weights, with its own micro-batching; this thread sums them weighted by slice size (= the
 * whole batch's mean gradient), adds weight decay and applies the optimizer update to `model`, whose weights the
 * next step sends out again (147,560 floats: well under a millisecond).
 *
 * BatchNorm: per-worker statistics, as PyTorch's DistributedDataParallel without SyncBatchNorm — each worker
 * normalises its slice with that slice's mean and variance, and `model`'s moving statistics become the average of
 * the workers' (weighted by slice size) after every step. Dropout: with a step `seed`, worker i draws its masks
 * from a generator seeded by (seed, i), so a run is a function of its seed and resumes exactly.
 * The update runs on this thread's backend; the workers use `backend` (default wasm).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../workers/spawn.js';
import { defaultTrainConfig, type TrainConfig } from '../model/config.js';
import type { GradientWorkerInit, WorkerReply, WorkerRequest, WorkerTiming } from './gradientProtocol.js';
import { threadCpuMs } from './threadCpu.js';
import { applyUpdate, makeOptimizer, type StepOptions, type StepResult } from './trainer.js';

export interface ParallelOptions {
  /** Worker threads, ≥ 1. Default 2 (one per core of a small machine; the calling thread mostly waits). */
  workers?: number;
  /** Backend of the workers. Default 'wasm'. */
  backend?: 'wasm' | 'cpu';
}

export interface ParallelStepOptions extends StepOptions {
  /** Dropout seed of this step (uint32); worker i uses a generator seeded from (seed, i). Default: unseeded. */
  seed?: number;
}

/**
 * Where a step's time went on this thread (wall ms, and this thread's CPU ms where available): prep, copying the
 * slices and weights out before the requests are posted; wait, until every worker has answered; merge, summing
 * the gradients, the optimizer update and the moving statistics. `workers`: each worker's own account.
 */
export interface StepTiming {
  prepMs: number;
  prepCpuMs: number;
  waitMs: number;
  mergeMs: number;
  mergeCpuMs: number;
  workers: WorkerTiming[];
}

export interface ParallelStepResult extends StepResult {
  timing: StepTiming;
}

/** A batch held in this thread's memory: row-major data with its shape (first dimension = samples). */
export interface HostTensor {
  data: Float32Array;
  shape: number[];
}

export interface ParallelTrainer {
  readonly config: TrainConfig;
  readonly workers: number;
  /** The optimizer whose state lives on this thread (checkpoints save and restore it). */
  readonly optimizer: tf.Optimizer;
  /**
   * One update from features xs [B, chunks, mel, frames, 1] and one-hot labels ys [B, classes]. The inputs are
   * copied before the call returns its promise, so the caller may refill their buffers while the step runs.
   */
  step(xs: tf.Tensor | HostTensor, ys: tf.Tensor | HostTensor, opts?: ParallelStepOptions): Promise<ParallelStepResult>;
  /** Class probabilities [N × classes] of windows xs [N, chunks, mel, frames, 1] at `model`'s current weights, spread over the workers in batches of `batchSize` (default 16). */
  predict(xs: HostTensor, batchSize?: number): Promise<Float32Array>;
  /** Stops the workers; pending steps reject. */
  dispose(): Promise<void>;
}

interface Pending {
  resolve(r: WorkerReply): void;
  reject(e: Error): void;
}

type Request = Extract<WorkerRequest, { type: 'step' }> | Extract<WorkerRequest, { type: 'predict' }>;
type Reply<T extends Request['type']> = T extends 'step' ? Extract<WorkerReply, { type: 'result' }> : Extract<WorkerReply, { type: 'probs' }>;

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

  request<T extends Request['type']>(m: Omit<Extract<Request, { type: T }>, 'id'>, transfer: ArrayBuffer[]): Promise<Reply<T>> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: WorkerReply) => void, reject });
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
async function artifactsOf(model: LayersModel): Promise<Omit<GradientWorkerInit, 'backend'>> {
  let out: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      out = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = out!;
  const weightData = a.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(a.weightData);
  return { modelTopology: a.modelTopology as object, weightSpecs: (a.weightSpecs ?? []) as GradientWorkerInit['weightSpecs'], weightData };
}

const host = (t: tf.Tensor | HostTensor): HostTensor => (t instanceof tf.Tensor ? { data: t.dataSync() as Float32Array, shape: t.shape } : t);

/** Worker i's dropout seed for a step seeded `seed` (a different, fixed stream per worker). */
export function workerSeed(seed: number, worker: number): number {
  return (Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(worker + 1, 0xc2b2ae35)) >>> 0;
}

/** Creates a data-parallel trainer for `model` (the same TrainConfig defaults as createTrainer). */
export async function createParallelTrainer(model: LayersModel, partial: Partial<TrainConfig> = {}, opts: ParallelOptions = {}): Promise<ParallelTrainer> {
  const config: TrainConfig = { ...defaultTrainConfig, ...partial };
  const n = Math.max(1, Math.floor(opts.workers ?? 2));
  const optimizer = makeOptimizer(config);
  const art = await artifactsOf(model);
  const init: GradientWorkerInit = { ...art, backend: opts.backend ?? 'wasm' };
  const workers = Array.from({ length: n }, () => new GradientWorker(startWorker(import.meta.url, 'gradientWorker', { workerData: init })));
  try {
    await Promise.all(workers.map((w) => w.ready));
  } catch (err) {
    await Promise.all(workers.map((w) => w.close()));
    throw err;
  }
  let version = 0;
  const currentWeights = () => ({ version: ++version, values: model.weights.map((w) => (w.read().dataSync() as Float32Array).slice()) });

  async function step(xsIn: tf.Tensor | HostTensor, ysIn: tf.Tensor | HostTensor, stepOpts: ParallelStepOptions = {}): Promise<ParallelStepResult> {
    const t0 = performance.now();
    const c0 = threadCpuMs();
    const xs = host(xsIn);
    const ys = host(ysIn);
    const batch = xs.shape[0];
    if (ys.shape[0] !== batch) throw new RangeError(`trainer: ${batch} inputs but ${ys.shape[0]} labels`);
    const used = Math.min(n, batch);
    const per = Math.ceil(batch / used);
    const xRow = xs.data.length / batch;
    const yRow = ys.data.length / batch;
    const weights = currentWeights();
    const slices: { start: number; count: number }[] = [];
    for (let s = 0; s < batch; s += per) slices.push({ start: s, count: Math.min(per, batch - s) });
    const requests = slices.map(({ start, count }, i) => {
      const x = xs.data.slice(start * xRow, (start + count) * xRow);
      const y = ys.data.slice(start * yRow, (start + count) * yRow);
      const seed = stepOpts.seed === undefined ? undefined : workerSeed(stepOpts.seed, i);
      const msg = { type: 'step' as const, weights, xs: x, xsShape: [count, ...xs.shape.slice(1)], ys: y, ysShape: [count, ...ys.shape.slice(1)], microBatch: stepOpts.microBatch ?? count, seed };
      return workers[i].request<'step'>(msg, [x.buffer as ArrayBuffer, y.buffer as ArrayBuffer]);
    });
    const t1 = performance.now();
    const c1 = threadCpuMs();
    const results = await Promise.all(requests);
    const t2 = performance.now();
    const c2 = threadCpuMs();
    // Whole-batch mean = Σ (slice size / batch) · slice mean, summed in worker order (deterministic).
    const share = slices.map((s) => s.count / batch);
    const mix = (arrays: (r: (typeof results)[number]) => Float32Array[], k: number): Float32Array => {
      const out = new Float32Array(arrays(results[0])[k].length);
      results.forEach((r, i) => {
        const a = arrays(r)[k];
        const w = share[i];
        for (let j = 0; j < out.length; j++) out[j] += w * a[j];
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
    const timing: StepTiming = { prepMs: t1 - t0, prepCpuMs: c1 - c0, waitMs: t2 - t1, mergeMs: performance.now() - t2, mergeCpuMs: threadCpuMs() - c2, workers: results.map((r) => r.timing) };
    return { loss: results.reduce((l, r, i) => l + share[i] * r.loss, 0), correct: results.reduce((c, r) => c + r.correct, 0), timing };
  }

  async function predict(xs: HostTensor, batchSize = 16): Promise<Float32Array> {
    const total = xs.shape[0];
    if (total === 0) return new Float32Array(0);
    const row = xs.data.length / total;
    const weights = currentWeights();
    const sent = new Set<number>();
    const parts: Promise<Reply<'predict'>>[] = [];
    for (let s = 0, k = 0; s < total; s += batchSize, k++) {
      const count = Math.min(batchSize, total - s);
      const w = k % n; // round robin: each worker queues its batches and answers them in order
      const x = xs.data.slice(s * row, (s + count) * row);
      parts.push(workers[w].request<'predict'>({ type: 'predict' as const, weights: sent.has(w) ? undefined : weights, xs: x, xsShape: [count, ...xs.shape.slice(1)] }, [x.buffer as ArrayBuffer]));
      sent.add(w);
    }
    const probs = await Promise.all(parts);
    const classes = probs[0].probs.length / Math.min(batchSize, total);
    const out = new Float32Array(total * classes);
    probs.forEach((p, k) => out.set(p.probs, k * batchSize * classes));
    return out;
  }

  return {
    config,
    workers: n,
    optimizer,
    step,
    predict,
    async dispose() {
      optimizer.dispose();
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
