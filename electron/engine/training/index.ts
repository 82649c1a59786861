export { startTraining, type StartOptions } from './session.js';
export { runArtifactDirs, type RunArtifactDirs } from './artifacts.js';
export { computeMetrics, confusionMatrix, type MetricsOptions } from './metrics.js';
export { learningRateAt, parseSchedule } from './schedule.js';
export { planSamples, type PlannedSample, type SamplePlan } from './plan.js';
export { loadExportedModel, classifyFiles, type ExportedModel, type Classification } from './exported.js';
// Types only: evaluateDataset selects a backend; import it from './evaluateDataset.js' where that is wanted.
export type { DatasetEvalOptions, DatasetEvalProgress, DatasetEvaluation, SkippedFile } from './evaluateDataset.js';
export * from './types.js';
