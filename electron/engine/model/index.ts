/**
 * The model's public surface, what the training engine and live inference call:
 *   buildModel(cfg) · countParams(model) · predict(model, xs) · createTrainer(model, trainCfg).step(xs, ys, {microBatch})
 *   await createParallelTrainer(model, trainCfg, {workers}) → await .step(xs, ys, {microBatch}) (data-parallel, worker threads)
 *   saveModel(model, dir, metadata) · loadModel(dir)
 * Tensors: features float32 [B, chunks, melBands, frames, 1] (NHWC per chunk), labels one-hot [B, classes].
 * Choose the backend first (native/tf/backends.ts `selectBackend`); nothing here depends on which one runs.
 */
export { buildModel, countParams, predict } from './build.js';
export { createTrainer, type Trainer, type StepOptions, type StepResult } from '../training/trainer.js';
export { createParallelTrainer, type ParallelTrainer, type ParallelOptions } from '../training/parallelTrainer.js';
export { saveModel, loadModel, folderIO } from './storage.js';
export { defaultModelConfig, defaultTrainConfig, resolveModelConfig, chunkFeatureSize, type ModelConfig, type TrainConfig } from './config.js';
