/**
 * The training options, defined once: each one's bounds, default and description. `ser train`, `ser cv` and
 * `ser tune` build their flags, help and checks from it (cli/trainOptions.ts), the API's TrainRequest validation
 * picks its fields (schemas.ts), the training service takes its defaults, and the New run form its limits — so
 * the command line, the API and the form accept and refuse the same values.
 *
 * Bounds, where one front door used to be stricter than another, are the wider of the two unless that was unsafe:
 * seeds stop at 2³²−1 (the generators take 32 bits; beyond, seeds alias and past 2⁵³ are not even stored exactly)
 * and SNRs at 100 dB (16-bit audio's own noise floor is ≈ 96 dB down: more adds nothing).
 */
import { z } from 'zod';
import { backendNames } from '../shared/backendNames.js';
import { MEL_NORMS } from '../shared/melNorms.js';
import { referenceAugment, referenceOptimizer } from '../shared/referenceRecipe.js';
import type { ModelConfig } from '../engine/model/config.js';

export const BACKEND_CHOICES = backendNames;

export const TrainingOptionsSchema = z.object({
  epochs: z.number().int().min(1).max(100_000).describe('epochs').default(50),
  batchSize: z.number().int().min(1).max(4096).describe('effective batch size (the reference: 32)').default(32),
  microBatch: z.number().int().min(1).describe('samples per forward/backward pass (memory); default: the whole batch, at most 32 on wasm/cpu').optional(),
  optimizer: z.enum(['sgd', 'adam']).describe('sgd (momentum, the reference) or adam').default(referenceOptimizer.optimizer),
  learningRate: z.number().gt(0).max(10).describe('learning rate').default(referenceOptimizer.learningRate),
  momentum: z.number().min(0).max(0.9999).describe('SGD momentum').default(referenceOptimizer.momentum),
  weightDecay: z.number().min(0).max(1).describe('weight decay (L2 penalty wd/2·‖w‖²)').default(referenceOptimizer.weightDecay),
  /** A spec the engine's parseSchedule reads. */
  schedule: z.string().describe('lr schedule: constant | step:N:gamma | cosine[:minLr] | plateau[:factor:patience[:minLr]]').default('constant'),
  earlyStop: z.number().int().min(1).describe('stop after this many epochs without improvement, restoring the best weights').optional(),
  earlyStopMetric: z.enum(['valAccuracy', 'valLoss']).describe('valAccuracy or valLoss').default('valAccuracy'),
  augmentCopies: z.number().int().min(0).max(20).describe('noisy (AWGN) copies per training clip').default(referenceAugment.copies),
  snrLow: z.number().min(-10).max(100).describe('lowest AWGN SNR, dB').default(referenceAugment.snrLow),
  snrHigh: z.number().min(-10).max(100).describe('AWGN SNR bound, dB (excluded: SNRs are drawn from [low, high) in whole dB)').default(referenceAugment.snrHigh),
  speedLow: z.number().min(0.5).max(2).describe('slowest speed of the noisy copies (speed perturbation: tempo and pitch); 1 = off, as the paper').default(1),
  speedHigh: z.number().min(0.5).max(2).describe('fastest speed of the noisy copies; a speed is drawn from [low, high] in hundredths').default(1),
  shift: z.number().min(0).max(1).describe("time shift of the noisy copies: each copy's 3 s window starts up to ± this many seconds from the offset, drawn in hundredths; 0 = off, as the paper").default(0),
  pitchShift: z.number().min(0).max(0.5).describe("pitch shift of the noisy copies with the tempo kept: each copy's pitch and formants scaled by a factor from [1 − x, 1 + x], drawn in hundredths (another voice at the same rate); 0 = off, as the paper").default(0),
  /** A spec the engine's parseSpecAugment reads. */
  specAugment: z
    .string()
    .describe('SpecAugment masks on training clips: F frequency masks up to W mel rows, T time masks up to W frames, e.g. 2:16,2:40 (default: none, as the paper)')
    .optional(),
  mixup: z.number().min(0).max(10).describe('mixup α: training clips mixed in pairs with their labels, λ ~ Beta(α, α); 0 = off, as the paper').default(0),
  freqWarp: z.number().min(0).max(0.3).describe('random frequency warp of training clips by up to ± this fraction of the mel axis (vocal tract length); 0 = off, as the paper').default(0),
  melNorm: z.enum(['none', ...MEL_NORMS]).describe("mel normalisation per clip: utterance = each mel band's mean over the clip subtracted (channel, timbre); none = as the paper").default('none'),
  labelSmoothing: z.number().min(0).max(0.5).describe('label smoothing ε: training targets (1 − ε)·one-hot + ε/8, so the model is never pushed to certainty; 0 = off, as the paper').default(0),
  speakerAdversary: z.number().min(0).max(10).describe("speaker-adversarial training: a head guesses each training clip's speaker through a gradient reversal of this scale, pushing the features to forget the voice; 0 = off, as the paper").default(0),
  seed: z.number().int().min(0).max(2 ** 32 - 1).describe('random seed (split, augmentation, initialisation, data order, dropout)').default(42),
  backend: z.enum(BACKEND_CHOICES).describe(`${BACKEND_CHOICES.join(' | ')} (default: first that loads)`).optional(),
  workers: z.number().int().min(1).max(256).describe('training threads on wasm/cpu, each taking a slice of every batch (default: one per core; 1 = single thread)').optional(),
  includeSong: z.boolean().describe('keep RAVDESS song clips').optional(),
});

type Shape = typeof TrainingOptionsSchema.shape;
export type TrainingOptionKey = keyof Shape;
type Unwrapped<T> = T extends z.ZodDefault<infer I> ? I : T extends z.ZodOptional<infer I> ? I : T;
/** The schema of one option without its default or optionality: its bounds and description only. */
export type TrainingField<K extends TrainingOptionKey> = Unwrapped<Shape[K]>;

export function trainingField<K extends TrainingOptionKey>(key: K): TrainingField<K> {
  const s: z.ZodType = TrainingOptionsSchema.shape[key];
  return (s instanceof z.ZodDefault || s instanceof z.ZodOptional ? s.unwrap() : s) as TrainingField<K>;
}

/** Every default, e.g. `trainingDefaults.epochs`; options without one (microBatch, backend, …) are absent. */
export const trainingDefaults = Object.freeze(TrainingOptionsSchema.parse({}));

/** The SNR range rule every front door applies (the engine's too, when it adds noise). */
export const snrRangeValid = (low: number, high: number): boolean => high > low;

/** The speed range rule (inclusive: 1:1 is off, 1.1:1.1 every copy at 1.1). */
export const speedRangeValid = (low: number, high: number): boolean => high >= low;

/** The engine's speed fields: present only when speed perturbation is on, so runs without it store what they did before. */
export function speedAugment(low: number, high: number): { speedLow?: number; speedHigh?: number } {
  return low === 1 && high === 1 ? {} : { speedLow: low, speedHigh: high };
}

/** An input's `min`, `max` and `step` for a numeric option: what the New run form puts on its fields. */
export interface NumberLimits {
  min: number | undefined;
  /** True when `min` itself is refused (`> min`; a form's `min` attribute cannot say so, the schema still does). */
  minExclusive: boolean;
  max: number | undefined;
  step: number | 'any';
}

export type NumericTrainingOptionKey = { [K in TrainingOptionKey]: TrainingField<K> extends z.ZodNumber ? K : never }[TrainingOptionKey];

export function numberLimits(key: NumericTrainingOptionKey): NumberLimits {
  const j = z.toJSONSchema(trainingField(key)) as { type?: string; minimum?: number; exclusiveMinimum?: number; maximum?: number };
  // An integer without a bound of its own is reported bounded by ±MAX_SAFE_INTEGER: no limit worth showing.
  const bound = (v: number | undefined) => (v === undefined || Math.abs(v) >= Number.MAX_SAFE_INTEGER ? undefined : v);
  return { min: bound(j.minimum ?? j.exclusiveMinimum), minExclusive: j.exclusiveMinimum !== undefined, max: bound(j.maximum), step: j.type === 'integer' ? 1 : 'any' };
}

/**
 * Model overrides (`--model <json>` of `ser train`, `ser cv`, `ser sweep`; a queued trial's model): the model config's
 * own knobs, typed, and nothing else — a misspelt key is refused rather than silently training the default model, and a
 * queue worker builds exactly what this admits. Chunk and mel sizes follow the features, the class count the labels.
 */
const Units = z.number().int().min(1).max(4096);
const Rate = z.number().min(0).lt(1);
export const ModelOverridesSchema = z
  .object({
    filters: z.array(Units).min(1).max(16),
    pools: z.array(z.number().int().min(1).max(16)).min(1).max(16),
    convDropout: Rate,
    lstmUnits: Units,
    bidirectional: z.boolean(),
    lstmPool: z.enum(['last', 'mean']),
    lstmDropout: Rate,
    bnMomentum: Rate,
    bnEpsilon: z.number().gt(0).max(1),
  } satisfies { [K in keyof ModelConfig]?: z.ZodType<ModelConfig[K]> })
  .partial()
  .strict();
export type ModelOverrides = z.infer<typeof ModelOverridesSchema>;

/** The overrides checked, or why not in one line naming the key (`bidirectional: expected boolean, …`). */
export function parseModelOverrides(value: unknown): { ok: true; model: ModelOverrides } | { ok: false; error: string } {
  const parsed = ModelOverridesSchema.safeParse(value);
  if (parsed.success) return { ok: true, model: parsed.data };
  const issue = parsed.error.issues[0]!;
  const at = [...issue.path.map(String), ...('keys' in issue ? issue.keys : [])].join('.');
  return { ok: false, error: `${at ? `${at}: ` : ''}${issue.message}` };
}
