/**
 * A sweep's recipes as the trainer gets them, validated with the one training options schema: the sweep's base
 * options (what `ser sweep`'s flags say, in the schema's own form) with a trial's parameters laid over them, the
 * whole parsed by TrainingOptionsSchema. The coordinator does it for every trial before anything is recorded, and a
 * `ser worker` does it again for every job it takes from the queue, so a worker only ever trains a recipe the schema
 * accepts — never anything else a queue might carry.
 */
import { z } from 'zod';
import { SerError } from '../shared/errors.js';
import { snrRangeValid, speedAugment, speedRangeValid, TrainingOptionsSchema, type ModelOverrides, type TrainingOptionKey } from '../contract/trainingOptions.js';
import { parseSpecAugment } from '../engine/audio/specAugment.js';
import type { SplitSpec } from '../engine/dataset/splits.js';
import { parseSchedule } from '../engine/training/schedule.js';
import type { Params } from '../engine/training/sweepSpace.js';
import type { TrainOptions } from '../engine/training/types.js';

/** The training options in the schema's form (schedule and SpecAugment as their specs, every default filled in). */
export type Recipe = z.output<typeof TrainingOptionsSchema>;

/** Names a sweep may vary: the schema's options but how a trial is run (backend, threads, micro-batches). */
const SWEEPABLE: readonly TrainingOptionKey[] = (Object.keys(TrainingOptionsSchema.shape) as TrainingOptionKey[]).filter((k) => !['backend', 'workers', 'microBatch'].includes(k));

/** The command line's spellings of options, accepted in a grid as well: `lr` for learningRate. */
const ALIASES: Record<string, TrainingOptionKey> = { lr: 'learningRate' };

/** A parameter's option name, or a bad-input error listing the names a sweep may use. */
export function optionOf(param: string): TrainingOptionKey {
  const key = ALIASES[param] ?? (param as TrainingOptionKey);
  if (!SWEEPABLE.includes(key)) throw new SerError('bad-input', `a sweep cannot vary '${param}'; it may vary ${['lr', ...SWEEPABLE].join(', ')}`);
  return key;
}

const StrictRecipe = TrainingOptionsSchema.strict();

/** The base options with the trial's parameters over them, parsed by the schema (an error names the parameter). */
export function trialRecipe(base: unknown, params: Params): Recipe {
  const overlay: Record<string, unknown> = {};
  for (const [param, value] of Object.entries(params)) overlay[optionOf(param)] = value;
  const res = StrictRecipe.safeParse({ ...(base as object), ...overlay });
  if (!res.success) {
    const issue = res.error.issues[0]!;
    const at = issue.path.map(String).join('.');
    const given = Object.entries(params).find(([p]) => optionOf(p) === at);
    throw new SerError('bad-input', `${given ? `parameter ${given[0]}=${JSON.stringify(given[1])}` : `option ${at || '(recipe)'}`}: ${issue.message}`);
  }
  const r = res.data;
  if (!snrRangeValid(r.snrLow, r.snrHigh)) throw new SerError('bad-input', `the SNR range must be low < high, got ${r.snrLow}:${r.snrHigh}`);
  if (!speedRangeValid(r.speedLow, r.speedHigh)) throw new SerError('bad-input', `the speed range must be low ≤ high, got ${r.speedLow}:${r.speedHigh}`);
  try {
    parseSchedule(r.schedule);
    if (r.specAugment) parseSpecAugment(r.specAugment);
  } catch (err) {
    throw new SerError('bad-input', (err as Error).message);
  }
  return r;
}

/** The engine's options for one trial: the recipe converted (schedule and SpecAugment parsed), with its data and split. */
export function recipeOptions(recipe: Recipe, run: { data: string; split: SplitSpec; name?: string; model?: ModelOverrides }): TrainOptions {
  return {
    data: run.data,
    ...(run.name ? { name: run.name } : {}),
    epochs: recipe.epochs,
    batchSize: recipe.batchSize,
    ...(recipe.microBatch !== undefined ? { microBatch: recipe.microBatch } : {}),
    optimizer: recipe.optimizer,
    learningRate: recipe.learningRate,
    momentum: recipe.momentum,
    weightDecay: recipe.weightDecay,
    schedule: parseSchedule(recipe.schedule),
    ...(recipe.earlyStop !== undefined ? { earlyStopping: { patience: recipe.earlyStop, metric: recipe.earlyStopMetric } } : {}),
    split: run.split,
    augment: { copies: recipe.augmentCopies, snrLow: recipe.snrLow, snrHigh: recipe.snrHigh, ...speedAugment(recipe.speedLow, recipe.speedHigh), ...(recipe.shift > 0 ? { shift: recipe.shift } : {}), ...(recipe.pitchShift > 0 ? { pitchShift: recipe.pitchShift } : {}) },
    ...(recipe.specAugment ? { specAugment: parseSpecAugment(recipe.specAugment) } : {}),
    ...(recipe.mixup > 0 ? { mixup: recipe.mixup } : {}),
    ...(recipe.freqWarp > 0 ? { freqWarp: recipe.freqWarp } : {}),
    ...(recipe.labelSmoothing > 0 ? { labelSmoothing: recipe.labelSmoothing } : {}),
    ...(recipe.speakerAdversary > 0 ? { speakerAdversary: recipe.speakerAdversary } : {}),
    ...(recipe.melNorm !== 'none' ? { melNorm: recipe.melNorm } : {}),
    seed: recipe.seed,
    ...(recipe.backend ? { backend: recipe.backend } : {}),
    ...(recipe.workers !== undefined ? { workers: recipe.workers } : {}),
    ...(run.model ? { model: run.model as TrainOptions['model'] } : {}),
    ...(recipe.includeSong ? { includeSong: true } : {}),
  };
}
