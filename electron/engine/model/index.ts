/**
 * The model's public surface, what the training engine and live inference call:
 *   buildModel(cfg) · countParams(model) · predict(model, xs) · saveModel(model, dir, metadata) · loadModel(dir)
 *   · buildEnsembleModel(members): several trained models as one (softmax of their mean log-probabilities)
 *   · buildAdversarialModel(cfg, speakers, scale): the model and its training network with a speaker adversary
 * The training steps that update it (createTrainer, createParallelTrainer) belong to ../training/.
 * Tensors: features float32 [B, chunks, melBands, frames, 1] (NHWC per chunk), labels one-hot [B, classes].
 * Choose the backend first (native/tf/backends.ts `selectBackend`); nothing here depends on which one runs.
 */
export { buildModel, countParams, predict } from './build.js';
export { buildAdversarialModel, type AdversarialModels } from './speakerAdversary.js';
export { buildEnsembleModel, memberPrefix, type EnsembleMemberModel } from './ensembleModel.js';
export { saveModel, loadModel, folderIO } from './storage.js';
export { defaultModelConfig, defaultTrainConfig, resolveModelConfig, chunkFeatureSize, type ModelConfig, type TrainConfig } from './config.js';
