/** The split flags shared by `ser dataset split` and `ser train`, and their parsing into a SplitSpec. */
import type { Command } from 'commander';
import type { SplitSpec } from '../engine/dataset/splits.js';
import { parseNumber, UsageError } from './output.js';

/** Folds when only --fold is given (as in splits.ts). */
const DEFAULT_FOLDS = 5;

export interface SplitFlags {
  split: string;
  testSpeakers?: string;
  valSpeakers?: string;
  folds?: string;
  fold?: string;
  splitSeed?: string;
}

export function addSplitOptions(cmd: Command): Command {
  return cmd
    .option('--split <kind>', 'random (stratified 80/10/10, the paper), speaker (speaker-independent), or all: every clip trains, no validation or test part — judge the recipe with ser cv', 'random')
    .option('--test-speakers <list>', 'speaker split: test speakers, e.g. 21,22,23,24')
    .option('--val-speakers <list>', 'speaker split: validation speakers, e.g. 19,20')
    .option('--folds <k>', 'speaker split: k-fold by speaker')
    .option('--fold <i>', 'speaker split: which fold (0-based) is the test part')
    .option('--split-seed <n>', 'seed of the split alone (default: --seed), so runs with different seeds can share one random split or one fold order');
}

/** `ser eval <run>` and `--test-of <run>` of a run trained with --split all: nothing was held out to score. */
export const noTestPart = (runId: number): string => `run ${runId} has no test part (split all): use ser eval --model ${runId} --data <dir>`;

function speakers(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new UsageError('speaker lists look like 21,22,23');
  return list;
}

/** `seed` is the run's seed: the split's unless --split-seed names another. */
export function splitSpecFrom(f: SplitFlags, runSeed: number): SplitSpec {
  // Same range as --seed (trainOptions.ts): a 32-bit unsigned integer.
  const seed = f.splitSeed !== undefined ? parseNumber('--split-seed', f.splitSeed, { integer: true, min: 0, max: 4294967295 }) : runSeed;
  if (f.split === 'random') return { kind: 'random', seed };
  if (f.split === 'all') {
    // Nothing is held out, so flags that choose what is held out cannot apply.
    const held = (['testSpeakers', 'valSpeakers', 'folds', 'fold'] as const).find((k) => f[k] !== undefined);
    if (held) throw new UsageError(`--${held.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} does not apply to --split all: every clip trains (judge the recipe with ser cv)`);
    return { kind: 'all', seed };
  }
  if (f.split !== 'speaker') throw new UsageError(`--split must be random, speaker or all, got '${f.split}'`);
  const test = speakers(f.testSpeakers);
  const val = speakers(f.valSpeakers);
  const folds = f.folds !== undefined ? parseNumber('--folds', f.folds, { integer: true, min: 2 }) : undefined;
  // Checked here, not only in the engine, so a fold that cannot exist is a usage error (exit 2), not a failed run.
  const fold = f.fold !== undefined ? parseNumber('--fold', f.fold, { integer: true, min: 0 }) : undefined;
  const k = folds ?? DEFAULT_FOLDS;
  if (fold !== undefined && fold >= k) throw new UsageError(`--fold is 0-based and must be in 0..${k - 1} with ${folds === undefined ? `the default ${k} folds` : `--folds ${k}`}, got ${fold}`);
  return {
    kind: 'speaker',
    seed,
    ...(test ? { testSpeakers: test } : {}),
    ...(val ? { valSpeakers: val } : {}),
    ...(folds !== undefined ? { folds } : {}),
    ...(fold !== undefined ? { fold } : {}),
  };
}
