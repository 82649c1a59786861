export { startTraining, runDirOf, modelDirOf, type StartOptions } from './session.js';
export { computeMetrics, confusionMatrix, type MetricsOptions } from './metrics.js';
export { learningRateAt, parseSchedule } from './schedule.js';
export { planSamples, type PlannedSample, type SamplePlan } from './plan.js';
export { loadExportedModel, classifyFiles, type ExportedModel, type Classification } from './exported.js';
export * from './types.js';
