/**
 * Messages between the data-parallel trainer (./parallel_trainer.ts) and its gradient workers
 * (./gradient_worker.ts): one tagged union each way, plain data (Float32Arrays, shapes), errors as data.
 */

/** workerData of a gradient worker: the backend to use and the model as tfjs artifacts. */
export interface GradientWorkerInit {
  backend: 'wasm' | 'cpu';
  modelTopology: object;
  weightSpecs: { name: string; shape: number[]; dtype: string }[];
  weightData: ArrayBuffer;
}

/** Main → worker: compute the gradients of one slice of a batch at the given weights. */
export interface StepRequest {
  type: 'step';
  id: number;
  /** Every weight of the model (trainable and not), in `model.weights` order. */
  weights: Float32Array[];
  xs: Float32Array;
  xsShape: number[];
  ys: Float32Array;
  ysShape: number[];
  microBatch: number;
}

export type WorkerRequest = StepRequest | { type: 'close'; id: number };

/** Worker → main. grads: mean over the slice, in `model.trainableWeights` order; state: the non-trainable weights after the slice's forward passes (BatchNorm moving statistics), in model order. */
export type WorkerReply =
  | { type: 'ready'; id: 0 }
  | { type: 'result'; id: number; loss: number; correct: number; grads: Float32Array[]; state: Float32Array[] }
  | { type: 'error'; id: number; message: string };
