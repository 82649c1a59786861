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
import type { GradientWorkerInit, SliceInputs, WorkerReply, WorkerRequest, WorkerTiming } from './gradientProtocol.js';
import { threadCpuMs } from './threadCpu.js';
import { applyUpdate, makeOptimizer, type StepOptions, type StepResult } from './trainer.js';

export interface ParallelOptions {
  /** Worker threads, ≥ 1. Default 2 (one per core of a small machine; the calling thread mostly waits). */
  workers?: number;
  /** Backend of the workers. Default 'wasm'. */
  backend?: 'wasm' | 'cpu';
  /** The task's classes, the model's first outputs (trainer.ts TrainerHeads); predict returns only these. Default: all. */
  classes?: number;
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
  /**
   * Sends the next step's inputs to the workers now, while they still compute the current step: they take them into
   * tensors as soon as they finish it, so the next step waits only for the new weights. A `step` with the same xs
   * and ys objects then uses this copy (taken here: the caller may refill the buffers at once); any other step
   * sends its own inputs as usual. Results are the same either way.
   */
  stage(xs: tf.Tensor | HostTensor, ys: tf.Tensor | HostTensor): void;
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

  /** A message without a reply (errors surface with the next request). */
  post(m: Omit<Extract<WorkerRequest, { type: 'stage' }>, 'id'>, transfer: ArrayBuffer[]): void {
    if (this.failure) return;
    this.worker.postMessage({ ...m, id: this.nextId++ }, transfer);
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

/** Σ share[i] · arrays[i], summed in order from zero (one module-level loop: a closure per step was OSR-compiled again every step). */
function mixInto(arrays: Float32Array[], share: number[]): Float32Array {
  const out = new Float32Array(arrays[0].length);
  for (let i = 0; i < arrays.length; i++) {
    const a = arrays[i];
    const w = share[i];
    for (let j = 0; j < out.length; j++) out[j] += w * a[j];
  }
  return out;
}

/** Creates a data-parallel trainer for `model` (the same TrainConfig defaults as createTrainer). */
export async function createParallelTrainer(model: LayersModel, partial: Partial<TrainConfig> = {}, opts: ParallelOptions = {}): Promise<ParallelTrainer> {
  const config: TrainConfig = { ...defaultTrainConfig, ...partial };
  const n = Math.max(1, Math.floor(opts.workers ?? 2));
  const optimizer = makeOptimizer(config);
  const art = await artifactsOf(model);
  const init: GradientWorkerInit = { ...art, backend: opts.backend ?? 'wasm', ...(opts.classes !== undefined ? { classes: opts.classes } : {}) };
  const workers = Array.from({ length: n }, () => new GradientWorker(startWorker(import.meta.url, 'gradientWorker', { workerData: init })));
  try {
    await Promise.all(workers.map((w) => w.ready));
  } catch (err) {
    await Promise.all(workers.map((w) => w.close()));
    throw err;
  }
  let version = 0;
  const currentWeights = () => ({ version: ++version, values: model.weights.map((w) => (w.read().dataSync() as Float32Array).slice()) });

  /** Spare input buffers per worker (handed back with each result), so a step allocates no new ones. */
  const spare: { xs: Float32Array[]; ys: Float32Array[] }[] = workers.map(() => ({ xs: [], ys: [] }));
  const buffer = (pool: Float32Array[], length: number): Float32Array => {
    for (let k = 0; k < pool.length; k++) if (pool[k].length === length) return pool.splice(k, 1)[0];
    return new Float32Array(length);
  };
  /** One contiguous slice per worker, each worker's copy in a buffer of its own (transferred). */
  function slicesOf(xs: HostTensor, ys: HostTensor): SliceInputs[] {
    const batch = xs.shape[0];
    if (ys.shape[0] !== batch) throw new RangeError(`trainer: ${batch} inputs but ${ys.shape[0]} labels`);
    const per = Math.ceil(batch / Math.min(n, batch));
    const xRow = xs.data.length / batch;
    const yRow = ys.data.length / batch;
    const out: SliceInputs[] = [];
    for (let s = 0, i = 0; s < batch; s += per, i++) {
      const count = Math.min(per, batch - s);
      const x = buffer(spare[i].xs, count * xRow);
      const y = buffer(spare[i].ys, count * yRow);
      x.set(xs.data.subarray(s * xRow, (s + count) * xRow));
      y.set(ys.data.subarray(s * yRow, (s + count) * yRow));
      out.push({ xs: x, xsShape: [count, ...xs.shape.slice(1)], ys: y, ysShape: [count, ...ys.shape.slice(1)] });
    }
    return out;
  }
  const transferOf = (s: SliceInputs) => [s.xs.buffer as ArrayBuffer, s.ys.buffer as ArrayBuffer];
  /** What was staged last, and for which inputs (object identity). */
  let staged: { xs: object; ys: object; slices: number[] } | undefined;

  function stage(xsIn: tf.Tensor | HostTensor, ysIn: tf.Tensor | HostTensor): void {
    const slices = slicesOf(host(xsIn), host(ysIn));
    slices.forEach((s, i) => workers[i].post({ type: 'stage', ...s }, transferOf(s)));
    staged = { xs: xsIn, ys: ysIn, slices: slices.map((s) => s.xsShape[0]) };
  }

  async function step(xsIn: tf.Tensor | HostTensor, ysIn: tf.Tensor | HostTensor, stepOpts: ParallelStepOptions = {}): Promise<ParallelStepResult> {
    const t0 = performance.now();
    const c0 = threadCpuMs();
    const fromStage = staged !== undefined && staged.xs === xsIn && staged.ys === ysIn;
    const inputs = fromStage ? undefined : slicesOf(host(xsIn), host(ysIn));
    const counts = fromStage ? staged!.slices : inputs!.map((s) => s.xsShape[0]);
    staged = undefined;
    const batch = counts.reduce((a, c) => a + c, 0);
    const weights = currentWeights();
    const requests = counts.map((count, i) => {
      const seed = stepOpts.seed === undefined ? undefined : workerSeed(stepOpts.seed, i);
      const own = inputs?.[i];
      const msg = { type: 'step' as const, weights, inputs: own, microBatch: stepOpts.microBatch ?? count, seed };
      return workers[i].request<'step'>(msg, own ? transferOf(own) : []);
    });
    const t1 = performance.now();
    const c1 = threadCpuMs();
    const results = await Promise.all(requests);
    const t2 = performance.now();
    const c2 = threadCpuMs();
    results.forEach((r, i) => {
      const pool = spare[i];
      pool.xs.push(r.spent.xs);
      pool.ys.push(r.spent.ys);
      if (pool.xs.length > 3) (pool.xs.shift(), pool.ys.shift()); // sizes no longer asked for (an epoch's last batch)
    });
    // Whole-batch mean = Σ (slice size / batch) · slice mean, summed in worker order (deterministic).
    const share = counts.map((c) => c / batch);
    const grads: tf.NamedTensorMap = {};
    model.trainableWeights.forEach((w, k) => {
      const v = w.read() as tf.Variable;
      grads[v.name] = tf.tensor(mixInto(results.map((r) => r.grads[k]), share), v.shape, 'float32');
    });
    applyUpdate(optimizer, model, grads, config.weightDecay);
    model.nonTrainableWeights.forEach((w, k) => {
      const t = tf.tensor(mixInto(results.map((r) => r.state[k]), share), w.shape as number[], 'float32');
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
    stage,
    predict,
    async dispose() {
      optimizer.dispose();
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
