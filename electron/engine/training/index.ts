export { startTraining, type StartOptions } from './session.js';
// Training steps: createTrainer(model, trainCfg).step(xs, ys, {microBatch}) on this thread, or
// await createParallelTrainer(model, trainCfg, {workers}) → await .step(xs, ys, {microBatch}) over worker threads.
export { createTrainer, type Trainer, type StepOptions, type StepResult } from './trainer.js';
export { createParallelTrainer, type ParallelTrainer, type ParallelOptions } from './parallelTrainer.js';
export { runArtifactDirs, type RunArtifactDirs } from './artifacts.js';
export { computeMetrics, confusionMatrix, type MetricsOptions } from './metrics.js';
export { learningRateAt, parseSchedule } from './schedule.js';
export { planSamples, type PlannedSample, type SamplePlan } from './plan.js';
export { loadExportedModel, classifyFiles, type ExportedModel, type Classification } from './exported.js';
// Types only: evaluateDataset selects a backend; import it from './evaluateDataset.js' where that is wanted.
export type { DatasetEvalOptions, DatasetEvalProgress, DatasetEvaluation, SkippedFile } from './evaluateDataset.js';
export * from './types.js';
