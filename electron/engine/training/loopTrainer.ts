/**
 * What the training loop needs from a trainer, over both ways of running a step: on the loop's own thread
 * (`workers` 1: training/trainer.ts, BatchNorm statistics over each micro-batch, dropout from the thread's seeded
 * Math.random) or data-parallel over worker threads (training/parallelTrainer.ts: per-worker BatchNorm statistics,
 * dropout seeded per step and worker). Inputs are host arrays so a step can be handed to workers without a copy
 * through a tensor; evaluation goes through the same path, so it uses every core too.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { predict, type TrainConfig } from '../model/index.js';
import { createParallelTrainer, type HostTensor } from './parallelTrainer.js';
import { createTrainer, type StepResult } from './trainer.js';

export interface LoopTrainer {
  readonly workers: number;
  /** The optimizer whose slots are checkpointed. */
  readonly optimizer: tf.Optimizer;
  /** One update. `seed` is asked for one uint32 per step only when the step runs on workers. The inputs may be reused once the promise exists. */
  step(xs: HostTensor, ys: HostTensor, seed: () => number): Promise<StepResult>;
  /** Hands the next step's inputs over early (workers: see ParallelTrainer.stage; one thread: nothing to do). */
  stage(xs: HostTensor, ys: HostTensor): void;
  /** Class probabilities (row-major, samples × classes) at the current weights, inference mode. */
  predict(xs: HostTensor): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export interface LoopTrainerOptions {
  /** 1: the loop's thread; more: that many worker threads. */
  workers: number;
  backend: 'wasm' | 'cpu';
  /** Samples per forward/backward pass (per worker with workers > 1). */
  microBatch: number;
  /** Windows per inference pass. */
  evalBatch: number;
  /** The task's classes, the model's first outputs (trainer.ts TrainerHeads); predict returns only these. Default: all. */
  classes?: number;
}

export async function createLoopTrainer(model: LayersModel, config: Partial<TrainConfig>, o: LoopTrainerOptions): Promise<LoopTrainer> {
  if (o.workers > 1) {
    const p = await createParallelTrainer(model, config, { workers: o.workers, backend: o.backend, ...(o.classes !== undefined ? { classes: o.classes } : {}) });
    return {
      workers: p.workers,
      optimizer: p.optimizer,
      step: (xs, ys, seed) => p.step(xs, ys, { microBatch: Math.min(o.microBatch, Math.ceil(xs.shape[0] / p.workers)), seed: seed() }),
      stage: (xs, ys) => p.stage(xs, ys),
      predict: (xs) => p.predict(xs, o.evalBatch),
      dispose: () => p.dispose(),
    };
  }
  const t = createTrainer(model, config, o.classes !== undefined ? { classes: o.classes } : {});
  return {
    workers: 1,
    optimizer: t.optimizer,
    stage() {},
    async step(xs, ys) {
      const x = tf.tensor(xs.data, xs.shape, 'float32');
      const y = tf.tensor(ys.data, ys.shape, 'float32');
      try {
        return t.step(x, y, { microBatch: o.microBatch });
      } finally {
        tf.dispose([x, y]);
      }
    },
    async predict(xs) {
      const n = xs.shape[0];
      const row = xs.data.length / Math.max(1, n);
      const parts: Float32Array[] = [];
      for (let s = 0; s < n; s += o.evalBatch) {
        const count = Math.min(o.evalBatch, n - s);
        const x = tf.tensor(xs.data.subarray(s * row, (s + count) * row), [count, ...xs.shape.slice(1)], 'float32');
        const p = predict(model, x, o.classes);
        parts.push((p.dataSync() as Float32Array).slice());
        tf.dispose([x, p]);
      }
      const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
      let off = 0;
      for (const p of parts) (out.set(p, off), (off += p.length));
      return out;
    },
    async dispose() {
      t.dispose();
    },
  };
}
