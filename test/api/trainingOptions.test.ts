/**
 * The training options are defined once (electron/api/trainingOptions.ts): the command line, the API's validation
 * and the New run form must accept and refuse the same values.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseInput } from '../../electron/server/router.js';
import { numberLimits, trainingDefaults, type NumberLimits, type NumericTrainingOptionKey } from '../../electron/contract/trainingOptions.js';
import { addTrainOptions, buildTrainOptions, type TrainFlags } from '../../electron/cli/trainOptions.js';
import { UsageError } from '../../electron/cli/output.js';
import { addSplitOptions, splitSpecFrom, type SplitFlags } from '../../electron/cli/splitOptions.js';
import { toTrainOptions } from '../../electron/services/training.js';
import { recipeOptions, trialRecipe } from '../../electron/services/sweepRecipes.js';
import { repoRoot } from '../helpers/ser.js';

type Field = 'epochs' | 'batchSize' | 'learningRate' | 'augmentCopies' | 'snrLow' | 'snrHigh' | 'seed' | 'workers' | 'optimizer' | 'backend';

const FLAG: Record<Exclude<Field, 'snrLow' | 'snrHigh'>, string> = {
  epochs: '--epochs', batchSize: '--batch-size', learningRate: '--lr', augmentCopies: '--augment-copies', seed: '--seed', workers: '--workers', optimizer: '--optimizer', backend: '--backend',
};

/** `ser train`'s flags for one value, parsed as the CLI parses them (its defaults for the rest). */
function cliArgs(field: Field, v: number | string): string[] {
  if (field === 'snrLow') return ['--snr', `${v}:${trainingDefaults.snrHigh}`];
  if (field === 'snrHigh') return ['--snr', `${trainingDefaults.snrLow}:${v}`];
  return [FLAG[field], String(v)];
}

async function cli(field: Field, v: number | string): Promise<unknown> {
  const cmd = addTrainOptions(new Command().exitOverride()).parse(['--data', '/d', ...cliArgs(field, v)], { from: 'user' });
  return buildTrainOptions(cmd.opts<TrainFlags>(), (seed) => ({ kind: 'random', seed }), 'no data');
}

const apiRequest = { data: '/d', epochs: 2, batchSize: 8, optimizer: 'sgd', learningRate: 0.01, split: { kind: 'random' }, augmentCopies: 0, snrLow: 15, snrHigh: 30, seed: 1 };
const api = (field: Field, v: number | string) => parseInput('startTraining', { ...apiRequest, [field]: v });

/** What the form's number input allows: the limits it takes from the contract. */
function formAllows(limits: NumberLimits, v: number): boolean {
  if (limits.min !== undefined && (v < limits.min || (limits.minExclusive && v === limits.min))) return false;
  if (limits.max !== undefined && v > limits.max) return false;
  return limits.step === 'any' || Number.isInteger(v);
}

const numeric = (f: Field): f is NumericTrainingOptionKey & Field => f !== 'optimizer' && f !== 'backend';

const BAD: Array<[Field, number | string]> = [
  ['epochs', 0], ['epochs', 100_001], ['epochs', 2.5],
  ['batchSize', 0], ['batchSize', 4097], ['batchSize', 1.5],
  ['learningRate', 0], ['learningRate', -0.1], ['learningRate', 10.5],
  ['augmentCopies', -1], ['augmentCopies', 21], ['augmentCopies', 0.5],
  ['snrLow', -11], ['snrLow', 101], ['snrHigh', 101],
  ['seed', -1], ['seed', 2 ** 32], ['seed', 0.5],
  ['workers', 0], ['workers', 257],
  ['optimizer', 'rmsprop'], ['backend', 'gpu'],
];

const GOOD: Array<[Field, number | string]> = [
  ['epochs', 1], ['epochs', 100_000], ['batchSize', 4096], ['learningRate', 10], ['learningRate', 1e-6], ['augmentCopies', 20],
  ['snrLow', -10], ['snrHigh', 100], ['snrLow', 12.5], ['seed', 0], ['seed', 2 ** 32 - 1], ['workers', 256], ['optimizer', 'adam'], ['backend', 'cpu'],
];

describe('training options, defined once', () => {
  for (const [field, v] of BAD) {
    it(`${field} = ${v} is refused by the CLI, the API and the form`, async () => {
      await expect(cli(field, v)).rejects.toThrow(UsageError);
      expect(() => api(field, v)).toThrow();
      if (numeric(field)) expect(formAllows(numberLimits(field), v as number)).toBe(false);
    });
  }

  for (const [field, v] of GOOD) {
    it(`${field} = ${v} is accepted by the CLI, the API and the form`, async () => {
      await expect(cli(field, v)).resolves.toBeDefined();
      expect(() => api(field, v)).not.toThrow();
      if (numeric(field)) expect(formAllows(numberLimits(field), v as number)).toBe(true);
    });
  }

  it('an SNR range low ≥ high is refused by both', async () => {
    await expect(cli('snrHigh', 15)).rejects.toThrow(/low < high/);
    expect(() => api('snrHigh', 15)).toThrow(/SNR/);
  });

  it('--speed reaches the engine only when on; a sweep recipe with speed parameters gives the same augment', async () => {
    const parse = async (args: string[]) => buildTrainOptions(addTrainOptions(new Command().exitOverride()).parse(['--data', '/d', ...args], { from: 'user' }).opts<TrainFlags>(), (seed) => ({ kind: 'random', seed }), 'no data');
    expect((await parse(['--speed', '0.9:1.1'])).augment).toEqual({ copies: 2, snrLow: 15, snrHigh: 30, speedLow: 0.9, speedHigh: 1.1 });
    expect((await parse(['--speed', '1:1'])).augment).toEqual({ copies: 2, snrLow: 15, snrHigh: 30 });
    expect((await parse([])).augment).not.toHaveProperty('speedLow');
    const recipe = trialRecipe({ augmentCopies: 1 }, { speedLow: 0.95, speedHigh: 1.05 });
    expect(recipeOptions(recipe, { data: '/d', split: { kind: 'random', seed: 1 } }).augment).toEqual({ copies: 1, snrLow: 15, snrHigh: 30, speedLow: 0.95, speedHigh: 1.05 });
    expect(() => trialRecipe({}, { speedLow: 1.2, speedHigh: 1.1 })).toThrow(/speed range/);
  });

  it('--pitch-shift reaches the engine only when on, in a sweep recipe too; out of bounds is refused naming the flag', async () => {
    const parse = async (args: string[]) => buildTrainOptions(addTrainOptions(new Command().exitOverride()).parse(['--data', '/d', ...args], { from: 'user' }).opts<TrainFlags>(), (seed) => ({ kind: 'random', seed }), 'no data');
    expect((await parse(['--pitch-shift', '0.1'])).augment).toEqual({ copies: 2, snrLow: 15, snrHigh: 30, pitchShift: 0.1 });
    expect((await parse([])).augment).not.toHaveProperty('pitchShift');
    await expect(parse(['--pitch-shift', '0.7'])).rejects.toThrow(/--pitch-shift must be ≤ 0.5/);
    const recipe = trialRecipe({ augmentCopies: 1 }, { pitchShift: 0.08 });
    expect(recipeOptions(recipe, { data: '/d', split: { kind: 'random', seed: 1 } }).augment).toEqual({ copies: 1, snrLow: 15, snrHigh: 30, pitchShift: 0.08 });
    expect(() => trialRecipe({}, { pitchShift: -0.1 })).toThrow(/pitchShift/);
  });

  it('the CLI with its defaults and the API with the same values give the engine the same options', async () => {
    const d = trainingDefaults;
    const fromCli = await buildTrainOptions(addTrainOptions(new Command()).parse(['--data', '/d'], { from: 'user' }).opts<TrainFlags>(), (seed) => ({ kind: 'random', seed }), 'no data');
    const req = { data: '/d', epochs: d.epochs, batchSize: d.batchSize, optimizer: d.optimizer, learningRate: d.learningRate, split: { kind: 'random' }, augmentCopies: d.augmentCopies, snrLow: d.snrLow, snrHigh: d.snrHigh, seed: d.seed };
    expect(toTrainOptions(parseInput('startTraining', req) as Parameters<typeof toTrainOptions>[0])).toEqual(fromCli);
  });

  it('--split all and the API\'s split { kind: "all" } give the engine the same options', async () => {
    const cmd = addSplitOptions(addTrainOptions(new Command())).parse(['--data', '/d', '--split', 'all'], { from: 'user' });
    const flags = cmd.opts<TrainFlags & SplitFlags>();
    const fromCli = await buildTrainOptions(flags, (seed) => splitSpecFrom(flags, seed), 'no data');
    expect(fromCli.split).toEqual({ kind: 'all', seed: trainingDefaults.seed });
    const d = trainingDefaults;
    const req = { data: '/d', epochs: d.epochs, batchSize: d.batchSize, optimizer: d.optimizer, learningRate: d.learningRate, split: { kind: 'all' }, augmentCopies: d.augmentCopies, snrLow: d.snrLow, snrHigh: d.snrHigh, seed: d.seed };
    expect(toTrainOptions(parseInput('startTraining', req) as Parameters<typeof toTrainOptions>[0])).toEqual(fromCli);
  });

  it('the New run form takes its fields’ limits and initial values from the contract, not from numbers of its own', () => {
    const src = readFileSync(join(repoRoot, 'renderer', 'src', 'views', 'NewRun.svelte'), 'utf8');
    const inputs = [...src.matchAll(/<input type="number"([^>]*)>/g)].map((m) => m[1]!);
    expect(inputs.length).toBeGreaterThanOrEqual(7);
    for (const attrs of inputs) {
      const field = /bind:value=\{(\w+)\}/.exec(attrs)?.[1];
      expect(field, attrs).toBeDefined();
      for (const a of ['min', 'max', 'step']) expect(attrs, `${field}: ${a}`).toContain(`${a}={limits.${field}.${a}}`);
      expect(src).toContain(`${field}: numberLimits('${field}')`);
      expect(src).toContain(`let ${field} = $state(defaults.${field});`);
    }
  });
});
