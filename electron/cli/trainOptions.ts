/**
 * The training flags `ser train` and `ser cv` share (one list, one parser): data, optimisation, augmentation, model
 * and backend. Each verb adds its own split, `--name`, `--resume`, `--db` and `--json`; `ser tune` takes the
 * options it shares through `parseOption`. A flag that sets an option of the contract's TrainingOptionsSchema
 * takes its help, default and bounds from there; the few that spell something else (`--data`, `--snr low:high`,
 * `--model <json>`) say so below.
 */
import { Option, type Command } from 'commander';
import type { z } from 'zod';
import {
  BACKEND_CHOICES,
  ModelOverridesSchema,
  numberLimits,
  parseModelOverrides,
  snrRangeValid,
  speedRangeValid,
  trainingDefaults,
  trainingField,
  type ModelOverrides,
  type NumericTrainingOptionKey,
  type TrainingField,
  type TrainingOptionKey,
} from '../contract/trainingOptions.js';
import type { SplitSpec } from '../engine/dataset/splits.js';
import type { TrainOptions } from '../engine/training/types.js';
import type { Recipe } from '../services/sweepRecipes.js';
import { UsageError } from './output.js';

export interface TrainFlags {
  data?: string;
  epochs: string;
  batchSize: string;
  microBatch?: string;
  lr: string;
  optimizer: string;
  momentum: string;
  weightDecay: string;
  schedule: string;
  earlyStop?: string;
  earlyStopMetric: string;
  augmentCopies: string;
  snr: string;
  speed: string;
  shift: string;
  pitchShift: string;
  specAugment?: string;
  mixup: string;
  freqWarp: string;
  labelSmoothing: string;
  speakerAdversary: string;
  melNorm: string;
  seed: string;
  backend?: string;
  workers?: string;
  model?: string;
  includeSong?: boolean;
}

/** A flag that sets one option of the schema, or one the CLI spells its own way (with its own help and default). */
type FlagSpec = { flags: string; option: TrainingOptionKey } | { flags: string; help: string; default?: string };

const TRAIN_FLAGS: readonly FlagSpec[] = [
  { flags: '--data <dir>', help: 'dataset folder (RAVDESS, CREMA-D, TESS, SAVEE or folder-per-label)' },
  { flags: '--epochs <n>', option: 'epochs' },
  { flags: '--batch-size <n>', option: 'batchSize' },
  { flags: '--micro-batch <n>', option: 'microBatch' },
  { flags: '--lr <x>', option: 'learningRate' },
  { flags: '--optimizer <name>', option: 'optimizer' },
  { flags: '--momentum <x>', option: 'momentum' },
  { flags: '--weight-decay <x>', option: 'weightDecay' },
  { flags: '--schedule <spec>', option: 'schedule' },
  { flags: '--early-stop <patience>', option: 'earlyStop' },
  { flags: '--early-stop-metric <m>', option: 'earlyStopMetric' },
  { flags: '--augment-copies <n>', option: 'augmentCopies' },
  {
    flags: '--snr <low:high>',
    help: `AWGN SNR range in dB, each from ${optionRange('snrLow')}; an SNR is drawn from [low, high) in whole dB`,
    default: `${trainingDefaults.snrLow}:${trainingDefaults.snrHigh}`,
  },
  {
    flags: '--speed <low:high>',
    help: `speed perturbation of the noisy copies (tempo and pitch, Kaldi's speed): each plays at a speed drawn from [low, high] in hundredths, each from ${optionRange('speedLow')}, e.g. 0.9:1.1; 1:1 = off, as the paper`,
    default: `${trainingDefaults.speedLow}:${trainingDefaults.speedHigh}`,
  },
  { flags: '--shift <seconds>', option: 'shift' },
  { flags: '--pitch-shift <fraction>', option: 'pitchShift' },
  { flags: '--spec-augment <F:W,T:W>', option: 'specAugment' },
  { flags: '--mixup <alpha>', option: 'mixup' },
  { flags: '--freq-warp <fraction>', option: 'freqWarp' },
  { flags: '--label-smoothing <eps>', option: 'labelSmoothing' },
  { flags: '--speaker-adversary <scale>', option: 'speakerAdversary' },
  { flags: '--mel-norm <kind>', option: 'melNorm' },
  { flags: '--seed <n>', option: 'seed' },
  { flags: '--backend <name>', option: 'backend' },
  { flags: '--workers <n>', option: 'workers' },
  {
    flags: '--model <json>',
    help: `model config overrides (${Object.keys(ModelOverridesSchema.shape).join(', ')}), e.g. '{"filters":[8,16,16,32],"lstmUnits":32}'`,
  },
  { flags: '--include-song', option: 'includeSong' },
];

/** Attribute names (camelCase) of the options `addTrainOptions` adds, e.g. to tell which a user gave. */
export const TRAIN_OPTION_KEYS = TRAIN_FLAGS.map((f) => new Option(f.flags).attributeName() as keyof TrainFlags);

/** "1–100000", "-10 to 100", "> 0 and ≤ 10", "≥ 1": an option's bounds as help text. */
export function optionRange(key: NumericTrainingOptionKey): string {
  const { min, max, minExclusive } = numberLimits(key);
  if (min !== undefined && max !== undefined && !minExclusive) return min < 0 ? `${min} to ${max}` : `${min}–${max}`;
  const parts = [...(min !== undefined ? [`${minExclusive ? '>' : '≥'} ${min}`] : []), ...(max !== undefined ? [`≤ ${max}`] : [])];
  return parts.join(' and ');
}

/** An option's help: its description, then its bounds (numbers) or choices (lists the description does not name). */
export function optionHelp(key: TrainingOptionKey): string {
  const field: z.ZodType = trainingField(key);
  const description = field.description ?? key;
  if (field.def.type !== 'number') return description;
  return `${description} (${optionRange(key as NumericTrainingOptionKey)})`;
}

/** The option's default as commander shows and hands it back: a string, as typed. */
function defaultText(key: TrainingOptionKey): string | undefined {
  const d = (trainingDefaults as Partial<Record<TrainingOptionKey, unknown>>)[key];
  return d === undefined ? undefined : String(d);
}

export function addTrainOptions(cmd: Command, opts: { workersHelp?: string } = {}): Command {
  for (const f of TRAIN_FLAGS) {
    if ('help' in f) cmd.option(f.flags, f.help, f.default);
    else cmd.option(f.flags, f.option === 'workers' && opts.workersHelp ? opts.workersHelp : optionHelp(f.option), defaultText(f.option));
  }
  return cmd;
}

/**
 * A flag's value checked against its option's schema: numbers converted, bounds and choices enforced, and a
 * failure told as a usage error naming the flag (`option --epochs must be ≤ 100000, got 200000`).
 */
export function parseOption<K extends TrainingOptionKey>(key: K, flag: string, raw: string): z.output<TrainingField<K>> {
  const field: z.ZodType = trainingField(key);
  const numeric = field.def.type === 'number';
  const value = numeric ? Number(raw) : raw;
  if (numeric && (raw.trim() === '' || !Number.isFinite(value))) throw new UsageError(`option ${flag} expects a number, got '${raw}'`);
  const res = field.safeParse(value);
  if (res.success) return res.data as z.output<TrainingField<K>>;
  const issue = res.error.issues[0]!;
  switch (issue.code) {
    case 'too_small':
      throw new UsageError(`option ${flag} must be ${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}, got ${raw}`);
    case 'too_big':
      throw new UsageError(`option ${flag} must be ${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}, got ${raw}`);
    case 'invalid_type':
      throw new UsageError(`option ${flag} expects ${issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`}, got '${raw}'`);
    case 'invalid_value':
      throw new UsageError(`${flag} must be one of ${issue.values.map(String).join(', ')}; got '${raw}'`);
    default:
      throw new UsageError(`${flag}: ${issue.message}, got '${raw}'`);
  }
}

/** `--backend <name>` of any verb that runs a model: one of the backends, or undefined (the fastest that loads). */
export function parseBackend(raw: string | undefined): TrainOptions['backend'] {
  return raw ? parseOption('backend', '--backend', raw) : undefined;
}

/** The backends, as `--backend`'s help lists them. */
export const BACKEND_HELP = BACKEND_CHOICES.join(' | ');

export function parseWorkers(raw: string): number {
  return parseOption('workers', '--workers', raw);
}

function parseSnr(raw: string): { snrLow: number; snrHigh: number } {
  const m = /^(-?\d+(?:\.\d+)?):(-?\d+(?:\.\d+)?)$/.exec(raw);
  if (!m) throw new UsageError(`--snr expects low:high in dB, e.g. 15:30; got '${raw}'`);
  const snrLow = parseOption('snrLow', '--snr (low)', m[1]!);
  const snrHigh = parseOption('snrHigh', '--snr (high)', m[2]!);
  if (!snrRangeValid(snrLow, snrHigh)) throw new UsageError(`--snr expects low:high with low < high (an SNR is drawn from [low, high)), e.g. 15:30; got '${raw}'`);
  return { snrLow, snrHigh };
}

function parseSpeed(raw: string): { speedLow: number; speedHigh: number } {
  const m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(raw);
  if (!m) throw new UsageError(`--speed expects low:high, e.g. 0.9:1.1; got '${raw}'`);
  const speedLow = parseOption('speedLow', '--speed (low)', m[1]!);
  const speedHigh = parseOption('speedHigh', '--speed (high)', m[2]!);
  if (!speedRangeValid(speedLow, speedHigh)) throw new UsageError(`--speed expects low:high with low ≤ high, e.g. 0.9:1.1; got '${raw}'`);
  return { speedLow, speedHigh };
}

/** `fn()`, its error a usage error naming `flag`. */
function asUsage<T>(flag: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
}

/**
 * The engine's TrainOptions from the flags; `split` makes the verb's split from the parsed seed. The flags become a
 * recipe (each checked, a usage error naming it), converted as a sweep's recipes are: one mapping for every verb.
 */
export async function buildTrainOptions(f: TrainFlags, split: (seed: number) => SplitSpec, missingData: string): Promise<TrainOptions> {
  if (!f.data) throw new UsageError(missingData);
  const base = recipeFromFlags(f);
  const [{ parseSchedule }, { parseSpecAugment }, { recipeOptions }] = await Promise.all([
    import('../engine/training/schedule.js'),
    import('../engine/audio/specAugment.js'),
    import('../services/sweepRecipes.js'),
  ]);
  // recipeFromFlags checked each field and range; the two specs are checked here so their errors name the flag.
  asUsage('--schedule', () => parseSchedule(base.schedule));
  if (base.specAugment !== undefined) asUsage('--spec-augment', () => parseSpecAugment(base.specAugment!));
  const model = modelFromFlags(f);
  return recipeOptions(base, { data: f.data, split: split(base.seed), ...(model ? { model } : {}) });
}

/**
 * The flags as the training options schema's own object (schedule and SpecAugment kept as their specs, every
 * default filled in): what a sweep stores as the base of its recipes and sends to its workers.
 */
export function recipeFromFlags(f: TrainFlags): Recipe {
  const snr = parseSnr(f.snr);
  const earlyStop = f.earlyStop ? parseOption('earlyStop', '--early-stop', f.earlyStop) : undefined;
  const specAugment = f.specAugment ? parseOption('specAugment', '--spec-augment', f.specAugment) : undefined;
  const microBatch = f.microBatch ? parseOption('microBatch', '--micro-batch', f.microBatch) : undefined;
  const backend = parseBackend(f.backend);
  return {
    epochs: parseOption('epochs', '--epochs', f.epochs),
    batchSize: parseOption('batchSize', '--batch-size', f.batchSize),
    ...(microBatch !== undefined ? { microBatch } : {}),
    optimizer: parseOption('optimizer', '--optimizer', f.optimizer),
    learningRate: parseOption('learningRate', '--lr', f.lr),
    momentum: parseOption('momentum', '--momentum', f.momentum),
    weightDecay: parseOption('weightDecay', '--weight-decay', f.weightDecay),
    schedule: parseOption('schedule', '--schedule', f.schedule),
    ...(earlyStop !== undefined ? { earlyStop } : {}),
    earlyStopMetric: parseOption('earlyStopMetric', '--early-stop-metric', f.earlyStopMetric),
    augmentCopies: parseOption('augmentCopies', '--augment-copies', f.augmentCopies),
    ...snr,
    ...parseSpeed(f.speed),
    shift: parseOption('shift', '--shift', f.shift),
    pitchShift: parseOption('pitchShift', '--pitch-shift', f.pitchShift),
    ...(specAugment !== undefined ? { specAugment } : {}),
    mixup: parseOption('mixup', '--mixup', f.mixup),
    freqWarp: parseOption('freqWarp', '--freq-warp', f.freqWarp),
    labelSmoothing: parseOption('labelSmoothing', '--label-smoothing', f.labelSmoothing),
    speakerAdversary: parseOption('speakerAdversary', '--speaker-adversary', f.speakerAdversary),
    melNorm: parseOption('melNorm', '--mel-norm', f.melNorm),
    seed: parseOption('seed', '--seed', f.seed),
    ...(backend ? { backend } : {}),
    ...(f.workers ? { workers: parseWorkers(f.workers) } : {}),
    ...(f.includeSong ? { includeSong: true } : {}),
  };
}

/** `--model <json>`: the model config overrides, checked key by key (a misspelt or mistyped knob is a usage error). */
export function modelFromFlags(f: TrainFlags): ModelOverrides | undefined {
  if (!f.model) return undefined;
  let m: unknown;
  try {
    m = JSON.parse(f.model);
  } catch {
    throw new UsageError(`--model expects a JSON object, e.g. '{"filters":[8,16,16,32],"lstmUnits":32}'`);
  }
  const parsed = parseModelOverrides(m);
  if (!parsed.ok) throw new UsageError(`--model: ${parsed.error}`);
  return parsed.model;
}
