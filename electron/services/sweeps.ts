/**
 * Sweeps from a front door. Starting one: the space expanded into trials, every trial's recipe validated with the
 * training options schema before anything is recorded (a bad value in a grid is one error, not a sweep of failed
 * runs), then the engine's sweep driven with the runner the caller chose (this process, or a work queue). Resuming
 * one: its stored trials rebuilt the same way from its stored base recipe. Reading and stopping them (`SweepsService`):
 * what `ser sweep list / show / cancel` print and the app's Sweeps view shows.
 *
 * The engine's sweep (training code) is loaded on first use, so listing and showing stay cheap to import.
 */
import { SerError } from '../shared/errors.js';
import { parseModelOverrides, type ModelOverrides } from '../contract/trainingOptions.js';
import type { SweepRow, SweepCancelResult } from '../contract/types.js';
import type { Store } from '../engine/store/index.js';
import type { SweepHandle, SweepRequest, TrialRunner } from '../engine/training/sweep.js';
import { recipeSummaries, SHOWN_TRIAL_STATUSES, shownStatus, sweepDetail, sweepTrialRows, type ShownTrialStatus, type SweepDetail } from '../engine/training/sweepResults.js';
import { expandTrials, type Params, type SweepSpace } from '../engine/training/sweepSpace.js';
import type { TrainingEnv } from '../engine/training/types.js';
import { bestRecipe } from '../shared/sweepBest.js';
import type { ServiceContext } from './context.js';
import { recipeOptions, trialRecipe } from './sweepRecipes.js';

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

function modelOverrides(model: unknown): ModelOverrides | undefined {
  if (model === undefined) return undefined;
  const parsed = parseModelOverrides(model);
  if (!parsed.ok) throw new SerError('bad-input', `--model: ${parsed.error}`);
  return parsed.model;
}

/** One trial's options and its recipe in the schema's form, from the base recipe and the trial's parameters. */
function trialPlan(data: string, base: unknown, params: Params, model: ModelOverrides | undefined) {
  const recipe = trialRecipe(base, params);
  return { recipeSpec: recipe as Record<string, unknown>, options: recipeOptions(recipe, { data, split: { kind: 'random', seed: recipe.seed }, ...(model ? { model } : {}) }) };
}

/** The engine's request: every trial's recipe validated and converted. Throws SerError('bad-input') naming the first bad one. */
export function planSweep(plan: SweepPlan): SweepRequest {
  const model = modelOverrides(plan.model);
  const base = trialRecipe(plan.base, {});
  const trials = expandTrials(plan.space, plan.folds).map((t) => ({ ...t, ...trialPlan(plan.data, plan.base, t.params, model) }));
  return {
    ...(plan.name ? { name: plan.name } : {}),
    data: plan.data,
    space: plan.space,
    folds: plan.folds,
    splitSeed: base.seed,
    config: { base, ...(model ? { model } : {}) },
    trials,
    ...(plan.valSpeakers !== undefined ? { valSpeakers: plan.valSpeakers } : {}),
  };
}

/** A stored trial's parameters, checked to be what a sweep space yields (scalars), as they were when recorded. */
function storedParams(trialId: number, params: Record<string, unknown>): Params {
  for (const [k, v] of Object.entries(params)) {
    if (!((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string' || typeof v === 'boolean')) throw new SerError('corrupt', `sweep trial ${trialId}: parameter ${k} is not a number, string or boolean`);
  }
  return params as Params;
}

/** What a sweep stores as its config (see startSweep): enough to rebuild every trial's options. */
interface StoredSweepConfig {
  base?: unknown;
  model?: unknown;
  data?: unknown;
  valSpeakers?: unknown;
}

/**
 * The request that resumes sweep `id`: its stored trials, each rebuilt from the stored base recipe and its own
 * parameters (validated again, as a worker would). The engine then decides which still need training.
 */
export function planResume(store: Store, id: number): SweepRequest {
  const sweep = store.sweeps.require(id);
  const cfg = (sweep.config ?? {}) as StoredSweepConfig;
  if (typeof cfg.data !== 'string' || cfg.base === undefined) throw new SerError('corrupt', `sweep ${id} does not record its data and base recipe; it cannot be resumed`);
  const data = cfg.data;
  const model = modelOverrides(cfg.model);
  const base = trialRecipe(cfg.base, {});
  // Sweeps recorded before the count was stored: a trial run's split says which it was.
  let valSpeakers = typeof cfg.valSpeakers === 'number' ? cfg.valSpeakers : undefined;
  const trials = store.sweeps.trials(id);
  for (const t of trials) {
    if (valSpeakers !== undefined || t.runId === null) continue;
    const split = (store.runs.get(t.runId)?.config as { split?: { valSpeakerCount?: unknown } } | undefined)?.split;
    if (typeof split?.valSpeakerCount === 'number') valSpeakers = split.valSpeakerCount;
  }
  return {
    data,
    space: sweep.space as SweepSpace,
    folds: sweep.folds,
    splitSeed: base.seed,
    config: { base, ...(model ? { model } : {}) },
    trials: trials.map((t) => {
      const params = storedParams(t.id, t.params);
      return { recipe: t.recipe, fold: t.fold, params, ...trialPlan(data, cfg.base, params, model) };
    }),
    ...(valSpeakers !== undefined ? { valSpeakers } : {}),
    resumeSweepId: id,
  };
}

export async function runSweep(plan: SweepPlan, env: TrainingEnv, runner: TrialRunner): Promise<SweepHandle> {
  const request = planSweep(plan);
  const { startSweep } = await import('../engine/training/sweep.js');
  return startSweep(request, env, runner);
}

/** Trains sweep `id`'s unfinished trials with `runner` (see planResume and the engine's resume). */
export async function resumeSweep(store: Store, id: number, env: TrainingEnv, runner: TrialRunner): Promise<SweepHandle> {
  const request = planResume(store, id);
  const { startSweep } = await import('../engine/training/sweep.js');
  return startSweep(request, env, runner);
}

/** Reading sweeps back, and asking one to stop: the app and `ser sweep list / show / cancel`. */
export class SweepsService {
  constructor(private readonly ctx: Pick<ServiceContext, 'store'>) {}

  /** Newest first, each with its trials counted by status and its best recipe so far. */
  list(): SweepRow[] {
    const { store } = this.ctx;
    return store.sweeps.list().map((s) => {
      const rows = sweepTrialRows(store, s.id);
      const counts = Object.fromEntries(SHOWN_TRIAL_STATUSES.map((k) => [k, 0])) as Record<ShownTrialStatus, number>;
      for (const r of rows) counts[r.status]++;
      return {
        id: s.id,
        name: s.name,
        status: shownStatus(s),
        folds: s.folds,
        queue: s.queue,
        createdAt: s.createdAt,
        startedAt: s.startedAt,
        endedAt: s.endedAt,
        error: s.error,
        trials: rows.length,
        counts,
        best: bestRecipe(recipeSummaries(rows)),
      };
    });
  }

  /** What `ser sweep show --json` prints: the trials with their runs' figures, and mean ± sd per recipe. */
  show(id: number): SweepDetail {
    const { store } = this.ctx;
    return sweepDetail(store, store.sweeps.require(id));
  }

  /**
   * Stops a sweep. A running one is asked to (its driving process, maybe another, polls for the request and cancels
   * its trials: `cancelling` until it has); one whose process is gone is cancelled here, its unfinished trials with
   * it; a cancelled one stays so. A completed or failed sweep has nothing to cancel.
   */
  cancel(id: number): SweepCancelResult {
    const { store } = this.ctx;
    // This store was opened maybe long ago: a sweep whose process died since is `interrupted`, not running.
    store.sweeps.recoverInterrupted();
    const sweep = store.sweeps.require(id);
    if (sweep.status === 'running' && store.sweeps.requestCancel(id)) return { id, status: 'cancelling' };
    const now = store.sweeps.require(id);
    if (now.status === 'completed' || now.status === 'failed') throw new SerError('bad-input', `sweep ${id} is ${now.status}; nothing to cancel`, { id, status: now.status });
    if (now.status === 'interrupted') {
      for (const t of store.sweeps.trials(id)) if (t.status === 'queued' || t.status === 'running') store.sweeps.updateTrial(t.id, { status: 'cancelled' });
      store.sweeps.setStatus(id, 'cancelled');
    }
    return { id, status: shownStatus(store.sweeps.require(id)) };
  }
}
