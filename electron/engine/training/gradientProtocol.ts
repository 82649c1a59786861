/**
 * Messages between the data-parallel trainer (./parallelTrainer.ts) and its gradient workers
 * (./gradientWorker.ts): one tagged union each way, plain data (Float32Arrays, shapes), errors as data.
 */

/** workerData of a gradient worker: the backend to use and the model as tfjs artifacts. */
export interface GradientWorkerInit {
  backend: 'wasm' | 'cpu';
  modelTopology: object;
  weightSpecs: { name: string; shape: number[]; dtype: string }[];
  weightData: ArrayBuffer;
  /** The task's classes, the model's first outputs (the rest: training-only heads, trainer.ts TrainerHeads); absent: all. */
  classes?: number;
}

/** Every weight of the model (trainable and not), in `model.weights` order, with the version they belong to. */
export interface WeightsUpdate {
  version: number;
  values: Float32Array[];
}

/** One worker's slice of a batch. */
export interface SliceInputs {
  xs: Float32Array;
  xsShape: number[];
  ys: Float32Array;
  ysShape: number[];
}

/**
 * Main → worker: the inputs of the worker's next step, sent while it still computes the current one. It takes
 * them into tensors when it is done (while the coordinating thread merges), and hands the buffers back with the
 * next step's result. No reply of its own.
 */
export interface StageRequest extends SliceInputs {
  type: 'stage';
  id: number;
}

/** Main → worker: compute the gradients of one slice of a batch at the given weights. */
export interface StepRequest {
  type: 'step';
  id: number;
  /** New weights, or undefined when the worker already holds the current version. */
  weights: WeightsUpdate | undefined;
  /** The slice, or undefined: the one staged last (StageRequest). */
  inputs: SliceInputs | undefined;
  microBatch: number;
  /** Seeds this worker's dropout generator for the step (reproducible, resumable runs); absent: unseeded. */
  seed: number | undefined;
}

/** Main → worker: class probabilities of a slice of windows at the given weights (inference mode). */
export interface PredictRequest {
  type: 'predict';
  id: number;
  weights: WeightsUpdate | undefined;
  xs: Float32Array;
  xsShape: number[];
}

export type WorkerRequest = StepRequest | StageRequest | PredictRequest | { type: 'close'; id: number };

/**
 * Where a worker's time went in one step (profiling, bench/trainParallel.ts --profile): idleMs, wall time since
 * its previous reply until this request was handled (waiting for the coordinating thread); setupMs, taking the
 * weights and inputs; computeMs, forward + backward until the reply is posted; cpuMs, this thread's CPU time over
 * setup and compute (NaN where unavailable, see ./threadCpu.ts).
 */
export interface WorkerTiming {
  idleMs: number;
  setupMs: number;
  computeMs: number;
  cpuMs: number;
}

/** The input buffers a step used, handed back for the next staging (the worker copied them into its heap). */
export interface SpentInputs {
  xs: Float32Array;
  ys: Float32Array;
}

/** Worker → main. grads: mean over the slice, in `model.trainableWeights` order; state: the non-trainable weights after the slice's forward passes (BatchNorm moving statistics), in model order. */
export type WorkerReply =
  | { type: 'ready'; id: 0 }
  | { type: 'result'; id: number; loss: number; correct: number; grads: Float32Array[]; state: Float32Array[]; timing: WorkerTiming; spent: SpentInputs }
  | { type: 'probs'; id: number; probs: Float32Array }
  | { type: 'error'; id: number; message: string };
