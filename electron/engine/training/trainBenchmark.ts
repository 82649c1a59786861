/**
 * Times training steps (forward + backward + optimizer update) of the model on random input after warm-up: what
 * `ser bench train` and `npm run bench` report. Call after selecting a backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { buildModel } from '../model/build.js';
import type { ModelConfig } from '../model/config.js';
import { createParallelTrainer } from './parallelTrainer.js';
import { createTrainer } from './trainer.js';

export interface TrainBenchOptions {
  /** Samples per step (effective batch). Default 32, the reference's. */
  batchSize?: number;
  /** Samples per forward/backward pass (gradient accumulation). Default 8: a full 32 does not fit wasm32's 4 GB. */
  microBatch?: number;
  /** Timed steps. Default 5. */
  steps?: number;
  /** Untimed steps first (V8 and kernel warm-up). Default 1. */
  warmup?: number;
  /** Model config (default: the paper's). */
  model?: Partial<ModelConfig>;
}

export interface TrainBenchResult {
  batchSize: number;
  microBatch: number;
  msPerSample: number;
  samplesPerSec: number;
  msPerStepMedian: number;
  steps: number;
  stepsMs: number[];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function benchmarkTraining(opts: TrainBenchOptions = {}): TrainBenchResult {
  const batchSize = opts.batchSize ?? 32;
  const microBatch = Math.min(opts.microBatch ?? 8, batchSize);
  const steps = opts.steps ?? 5;
  const warmup = opts.warmup ?? 1;
  const model = buildModel({ seed: 1, ...opts.model });
  const trainer = createTrainer(model);
  const [T, H, W] = [model.inputs[0].shape[1] as number, model.inputs[0].shape[2] as number, model.inputs[0].shape[3] as number];
  const classes = model.outputs[0].shape[1] as number;
  const xs = tf.randomNormal([batchSize, T, H, W, 1], 0, 1, 'float32', 7);
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: batchSize }, (_, i) => i % classes), 'int32'), classes));
  try {
    for (let i = 0; i < warmup; i++) trainer.step(xs, ys, { microBatch });
    const stepsMs: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      trainer.step(xs, ys, { microBatch }); // returns the loss as a number: the step has finished on the backend
      stepsMs.push(performance.now() - t0);
    }
    return summarizeSteps(stepsMs, batchSize, microBatch);
  } finally {
    tf.dispose([xs, ys]);
    trainer.dispose();
    model.dispose();
  }
}

/** Median step time turned into the figures `ser bench train` reports. */
function summarizeSteps(stepsMs: number[], batchSize: number, microBatch: number): TrainBenchResult {
  const med = median(stepsMs);
  return {
    batchSize,
    microBatch,
    msPerStepMedian: Math.round(med * 10) / 10,
    msPerSample: Math.round((med / batchSize) * 100) / 100,
    samplesPerSec: Math.round((batchSize / med) * 1000 * 100) / 100,
    steps: stepsMs.length,
    stepsMs: stepsMs.map((t) => Math.round(t)),
  };
}

/**
 * The same measurement with data-parallel training (./parallelTrainer.ts) over `workers` threads (default 2);
 * the input tensors live on this thread's backend and are shipped to the workers every step, as in real training.
 */
export async function benchmarkParallelTraining(opts: TrainBenchOptions & { workers?: number; backend?: 'wasm' | 'cpu' } = {}): Promise<TrainBenchResult & { workers: number }> {
  const batchSize = opts.batchSize ?? 32;
  const microBatch = Math.min(opts.microBatch ?? 8, batchSize);
  const steps = opts.steps ?? 5;
  const warmup = opts.warmup ?? 1;
  const model = buildModel({ seed: 1, ...opts.model });
  const trainer = await createParallelTrainer(model, {}, { workers: opts.workers ?? 2, backend: opts.backend ?? 'wasm' });
  const [T, H, W] = [model.inputs[0].shape[1] as number, model.inputs[0].shape[2] as number, model.inputs[0].shape[3] as number];
  const classes = model.outputs[0].shape[1] as number;
  const xs = tf.randomNormal([batchSize, T, H, W, 1], 0, 1, 'float32', 7);
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: batchSize }, (_, i) => i % classes), 'int32'), classes));
  try {
    // Seeded steps, as in `ser train` (dropout masks drawn from a per-step seed).
    for (let i = 0; i < warmup; i++) await trainer.step(xs, ys, { microBatch, seed: i });
    const stepsMs: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      await trainer.step(xs, ys, { microBatch, seed: warmup + i });
      stepsMs.push(performance.now() - t0);
    }
    return { ...summarizeSteps(stepsMs, batchSize, microBatch), workers: trainer.workers };
  } finally {
    tf.dispose([xs, ys]);
    await trainer.dispose();
    model.dispose();
  }
}

/** Median latency of one inference on a batch of `batchSize` windows (default 1 = one 3 s window). */
export function benchmarkInference(opts: { batchSize?: number; runs?: number; model?: Partial<ModelConfig> } = {}): { batchSize: number; msMedian: number; runs: number } {
  const batchSize = opts.batchSize ?? 1;
  const runs = opts.runs ?? 20;
  const model = buildModel({ seed: 1, ...opts.model });
  const s = model.inputs[0].shape as number[];
  const xs = tf.randomNormal([batchSize, s[1], s[2], s[3], 1], 0, 1, 'float32', 3);
  try {
    const run = () => tf.tidy(() => (model.apply(xs, { training: false }) as tf.Tensor).dataSync());
    for (let i = 0; i < 3; i++) run();
    const t: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      run();
      t.push(performance.now() - t0);
    }
    return { batchSize, msMedian: Math.round(median(t) * 100) / 100, runs };
  } finally {
    xs.dispose();
    model.dispose();
  }
}
