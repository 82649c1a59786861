/**
 * What a sweep tries: its recipes (parameter combinations) and its trials (recipe × fold). Pure functions of the
 * space and a seed, so the same command always expands to the same trials in the same order.
 *
 * - A grid, `{"lr":[0.01,0.001],"optimizer":["sgd","adam"]}`: every combination, the first key varying slowest
 *   (lr 0.01 + sgd, lr 0.01 + adam, lr 0.001 + sgd, …).
 * - A random space drawn N times with a seeded generator: per key a list to choose from, or `{"uniform":[a,b]}`,
 *   `{"logUniform":[a,b]}` (a > 0; what learning rates want) or `{"int":[a,b]}` (both ends included). Drawn reals
 *   keep 4 significant digits, so recipes read well and a draw repeated is recognisably the same.
 *
 * Parameter names and values are checked here only for shape; whether `lr` may be 0.5 is the training options
 * schema's call, made by the caller for every recipe before anything is recorded.
 */
import { Rng } from '../audio/rng.js';
import { SerError } from '../../shared/errors.js';

export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

export type Distribution = ParamValue[] | { uniform: [number, number] } | { logUniform: [number, number] } | { int: [number, number] };

/** What `--grid` or `--random N --space` describe; stored with the sweep as given. */
export type SweepSpace = { grid: Record<string, ParamValue[]> } | { random: number; seed: number; space: Record<string, Distribution> };

export interface ExpandedTrial {
  recipe: number;
  params: Params;
  fold: number;
}

/** No sweep bigger than this (trials = recipes × folds); a typo in a grid should not queue a million runs. */
export const MAX_TRIALS = 10_000;

const isScalar = (v: unknown): v is ParamValue => (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string' || typeof v === 'boolean';

function objectOf(raw: unknown, what: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SerError('bad-input', `${what} must be a JSON object of parameter names, e.g. {"lr":[0.01,0.001]}`);
  const o = raw as Record<string, unknown>;
  if (Object.keys(o).length === 0) throw new SerError('bad-input', `${what} names no parameter`);
  return o;
}

function choices(key: string, v: unknown, what: string): ParamValue[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every(isScalar)) throw new SerError('bad-input', `${what}: "${key}" must be a non-empty list of numbers, strings or booleans`);
  return v;
}

/** A grid as parsed JSON, checked for shape. */
export function parseGrid(raw: unknown): Record<string, ParamValue[]> {
  const o = objectOf(raw, '--grid');
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, choices(k, v, '--grid')]));
}

function range(key: string, v: unknown): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && Number.isFinite(x)) || !(v[0] <= v[1])) {
    throw new SerError('bad-input', `--space: "${key}" needs a range [low, high] of two numbers, low ≤ high`);
  }
  return [v[0], v[1]];
}

/** A random space as parsed JSON, checked for shape. */
export function parseSpace(raw: unknown): Record<string, Distribution> {
  const o = objectOf(raw, '--space');
  const out: Record<string, Distribution> = {};
  for (const [k, v] of Object.entries(o)) {
    if (Array.isArray(v)) out[k] = choices(k, v, '--space');
    else if (v && typeof v === 'object' && Object.keys(v).length === 1) {
      const [kind, r] = Object.entries(v)[0]!;
      const [lo, hi] = range(k, r);
      if (kind === 'uniform') out[k] = { uniform: [lo, hi] };
      else if (kind === 'logUniform') {
        if (!(lo > 0)) throw new SerError('bad-input', `--space: "${k}" logUniform needs a low end above 0, got ${lo}`);
        out[k] = { logUniform: [lo, hi] };
      } else if (kind === 'int') {
        if (!Number.isInteger(lo) || !Number.isInteger(hi)) throw new SerError('bad-input', `--space: "${k}" int needs integer ends, got [${lo}, ${hi}]`);
        out[k] = { int: [lo, hi] };
      } else throw new SerError('bad-input', `--space: "${k}" is a list of choices or one of uniform, logUniform, int; got '${kind}'`);
    } else throw new SerError('bad-input', `--space: "${k}" is a list of choices or {"uniform"|"logUniform"|"int": [low, high]}`);
  }
  return out;
}

/** Every combination of a grid, the first key varying slowest. */
export function gridRecipes(grid: Record<string, ParamValue[]>): Params[] {
  let recipes: Params[] = [{}];
  for (const [key, values] of Object.entries(grid)) recipes = recipes.flatMap((r) => values.map((v) => ({ ...r, [key]: v })));
  return recipes;
}

const fourDigits = (x: number) => Number(x.toPrecision(4));

function draw(rng: Rng, d: Distribution): ParamValue {
  if (Array.isArray(d)) return d[rng.int(0, d.length)]!;
  if ('uniform' in d) return fourDigits(d.uniform[0] + rng.next() * (d.uniform[1] - d.uniform[0]));
  if ('logUniform' in d) {
    const [lo, hi] = d.logUniform.map(Math.log) as [number, number];
    return fourDigits(Math.exp(lo + rng.next() * (hi - lo)));
  }
  return rng.int(d.int[0], d.int[1] + 1);
}

/** `n` recipes drawn from the space with a generator seeded by `seed`: the same seed, the same recipes. */
export function randomRecipes(space: Record<string, Distribution>, n: number, seed: number): Params[] {
  if (!(Number.isInteger(n) && n >= 1)) throw new SerError('bad-input', `--random needs a positive number of recipes, got ${n}`);
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Object.fromEntries(Object.entries(space).map(([k, d]) => [k, draw(rng, d)])));
}

export function recipesOf(space: SweepSpace): Params[] {
  return 'grid' in space ? gridRecipes(space.grid) : randomRecipes(space.space, space.random, space.seed);
}

/** The trials of a sweep: each recipe once per fold, recipe by recipe. */
export function expandTrials(space: SweepSpace, folds: number): ExpandedTrial[] {
  if (!(Number.isInteger(folds) && folds >= 1)) throw new SerError('bad-input', `a sweep needs at least 1 fold, got ${folds}`);
  const recipes = recipesOf(space);
  if (recipes.length * folds > MAX_TRIALS) throw new SerError('bad-input', `the sweep would have ${recipes.length * folds} trials (${recipes.length} recipes × ${folds} folds); at most ${MAX_TRIALS}`);
  return recipes.flatMap((params, recipe) => Array.from({ length: folds }, (_, fold) => ({ recipe, params, fold })));
}
