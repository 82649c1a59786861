/**
 * Sweeps from a front door: the space expanded into trials, every trial's recipe validated with the training
 * options schema before anything is recorded (a bad value in a grid is one error, not a sweep of failed runs),
 * then the engine's sweep driven with the runner the caller chose (this process, or a work queue).
 */
import { SerError } from '../shared/errors.js';
import { startSweep, type SweepHandle, type SweepRequest, type TrialRunner } from '../engine/training/sweep.js';
import { expandTrials, type SweepSpace } from '../engine/training/sweepSpace.js';
import type { TrainingEnv } from '../engine/training/types.js';
import { ModelOverridesSchema, recipeOptions, trialRecipe } from './sweepRecipes.js';

export interface SweepPlan {
  data: string;
  name?: string;
  space: SweepSpace;
  folds: number;
  /** The base options in the schema's form (what the flags say); each trial's parameters override them. */
  base: Record<string, unknown>;
  /** Model config overrides every trial shares. */
  model?: unknown;
  valSpeakers?: number;
}

/** The engine's request: every trial's recipe validated and converted. Throws SerError('bad-input') naming the first bad one. */
export function planSweep(plan: SweepPlan): SweepRequest {
  const model = plan.model === undefined ? undefined : ModelOverridesSchema.safeParse(plan.model);
  if (model && !model.success) throw new SerError('bad-input', `--model: ${model.error.issues[0]!.message}`);
  const base = trialRecipe(plan.base, {});
  const trials = expandTrials(plan.space, plan.folds).map((t) => {
    const recipe = trialRecipe(plan.base, t.params);
    return { ...t, recipeSpec: recipe as Record<string, unknown>, options: recipeOptions(recipe, { data: plan.data, split: { kind: 'random', seed: recipe.seed }, ...(model ? { model: model.data } : {}) }) };
  });
  return {
    ...(plan.name ? { name: plan.name } : {}),
    data: plan.data,
    space: plan.space,
    folds: plan.folds,
    splitSeed: base.seed,
    config: { base, ...(model ? { model: model.data } : {}) },
    trials,
    ...(plan.valSpeakers !== undefined ? { valSpeakers: plan.valSpeakers } : {}),
  };
}

export function runSweep(plan: SweepPlan, env: TrainingEnv, runner: TrialRunner): SweepHandle {
  return startSweep(planSweep(plan), env, runner);
}
