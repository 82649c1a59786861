/**
 * Reproducible train/validation/test splits, stored with each run:
 * - `random`: stratified by emotion (the paper's 80/10/10 over files — speakers leak across parts);
 * - `speaker`: speaker-independent, with explicit test/validation speakers or the k-th of K folds;
 * - `all`: every item trains, no validation or test part — for a final model whose recipe was judged by
 *   cross-validation (`ser cv`); its run reports no test figures.
 */
import { SerError } from '../../shared/errors.js';
import { Rng } from '../audio/rng.js';

export interface SplitItem {
  /** Emotion index or name: stratification key. */
  label: number | string;
  speaker?: string;
}

export interface RandomSplitSpec {
  kind: 'random';
  seed: number;
  /** Fractions for validation and test; train gets the rest. Default 0.1 / 0.1. */
  valFraction?: number;
  testFraction?: number;
}

export interface SpeakerSplitSpec {
  kind: 'speaker';
  seed: number;
  testSpeakers?: string[];
  valSpeakers?: string[];
  /** k-fold by speaker: fold index (0-based) of `folds`; validation speakers are drawn from the rest. */
  fold?: number;
  folds?: number;
  /**
   * k-fold only, when `valSpeakers` is not given: how many validation speakers, taken in the seeded speaker order
   * from the next fold on (fold k+1, then k+2…, never the test fold). Without it the whole next fold validates
   * (the original behaviour, kept so stored runs split as they did).
   */
  valSpeakerCount?: number;
}

/** Every item in training; the seed is kept so the spec has the shape of the others (nothing is drawn). */
export interface AllSplitSpec {
  kind: 'all';
  seed: number;
}

export type SplitSpec = RandomSplitSpec | SpeakerSplitSpec | AllSplitSpec;

export interface Split {
  kind: SplitSpec['kind'];
  seed: number;
  /** Indices into the items given. */
  train: number[];
  val: number[];
  test: number[];
  trainSpeakers: string[];
  valSpeakers: string[];
  testSpeakers: string[];
}

/** Normalises '1' / '01' speaker ids to the dataset's spelling when they match numerically. */
function normaliseSpeakers(wanted: string[] | undefined, known: string[]): string[] {
  if (!wanted) return [];
  return wanted.map((w) => {
    const t = w.trim();
    if (known.includes(t)) return t;
    const byNumber = known.find((k) => /^\d+$/.test(k) && /^\d+$/.test(t) && Number(k) === Number(t));
    if (byNumber) return byNumber;
    throw new SerError('bad-input', `speaker '${t}' is not in this dataset (speakers: ${known.join(', ')})`);
  });
}

function speakersOf(items: SplitItem[], idx: number[]): string[] {
  return [...new Set(idx.map((i) => items[i]!.speaker ?? 'unknown'))].sort();
}

export function makeSplit(items: SplitItem[], spec: SplitSpec): Split {
  if (items.length === 0) throw new SerError('bad-input', 'cannot split an empty dataset');
  if (spec.kind === 'all') {
    const train = items.map((_, i) => i);
    return { kind: 'all', seed: spec.seed, train, val: [], test: [], trainSpeakers: speakersOf(items, train), valSpeakers: [], testSpeakers: [] };
  }
  const rng = new Rng(spec.seed);
  if (spec.kind === 'random') {
    const vf = spec.valFraction ?? 0.1;
    const tf = spec.testFraction ?? 0.1;
    if (!(vf >= 0 && tf >= 0 && vf + tf < 1)) throw new SerError('bad-input', `validation + test fractions must be in [0, 1), got ${vf} + ${tf}`);
    const byLabel = new Map<string, number[]>();
    items.forEach((it, i) => {
      const k = String(it.label);
      if (!byLabel.has(k)) byLabel.set(k, []);
      byLabel.get(k)!.push(i);
    });
    const train: number[] = [];
    const val: number[] = [];
    const test: number[] = [];
    for (const key of [...byLabel.keys()].sort()) {
      const idx = rng.shuffle(byLabel.get(key)!);
      const nTest = Math.round(idx.length * tf);
      const nVal = Math.round(idx.length * vf);
      test.push(...idx.slice(0, nTest));
      val.push(...idx.slice(nTest, nTest + nVal));
      train.push(...idx.slice(nTest + nVal));
    }
    for (const a of [train, val, test]) a.sort((x, y) => x - y);
    return { kind: 'random', seed: spec.seed, train, val, test, trainSpeakers: speakersOf(items, train), valSpeakers: speakersOf(items, val), testSpeakers: speakersOf(items, test) };
  }

  const known = [...new Set(items.map((it) => it.speaker).filter((s): s is string => !!s))].sort();
  if (items.some((it) => !it.speaker)) throw new SerError('bad-input', 'a speaker-independent split needs the speaker of every file; this dataset has files without one (use --split random)');
  let testSpk = normaliseSpeakers(spec.testSpeakers, known);
  let valSpk = normaliseSpeakers(spec.valSpeakers, known);
  if (spec.folds !== undefined || spec.fold !== undefined) {
    const folds = spec.folds ?? 5;
    const fold = spec.fold ?? 0;
    if (!(Number.isInteger(folds) && folds >= 2 && folds <= known.length)) throw new SerError('bad-input', `folds must be an integer in 2..${known.length} (number of speakers), got ${folds}`);
    if (!(Number.isInteger(fold) && fold >= 0 && fold < folds)) throw new SerError('bad-input', `fold must be in 0..${folds - 1}, got ${fold}`);
    const groups = speakerFolds(known, folds, spec.seed);
    testSpk = groups[fold]!;
    if (valSpk.length === 0) {
      if (spec.valSpeakerCount === undefined) valSpk = groups[(fold + 1) % folds]!;
      else {
        const n = spec.valSpeakerCount;
        const rest = known.length - testSpk.length;
        if (!(Number.isInteger(n) && n >= 0 && n < rest)) throw new SerError('bad-input', `fold ${fold} has ${rest} speakers outside its test part: the validation speakers per fold must be in 0..${rest - 1} (at least one must train), got ${n}`);
        // The following folds in turn, so the validation speakers rotate with the test fold.
        valSpk = Array.from({ length: folds - 1 }, (_, j) => groups[(fold + 1 + j) % folds]!).flat().slice(0, n);
      }
    }
  } else if (testSpk.length === 0) {
    // Default: the last ~10 % of speakers for test and the ~10 % before them for validation, seeded.
    const order = rng.shuffle([...known]);
    const n = Math.max(1, Math.round(known.length * 0.1));
    testSpk = order.slice(0, n);
    if (valSpk.length === 0) valSpk = order.slice(n, 2 * n);
  }
  const overlap = testSpk.filter((s) => valSpk.includes(s));
  if (overlap.length) throw new SerError('bad-input', `speakers ${overlap.join(', ')} are in both the test and the validation part`);
  const test: number[] = [];
  const val: number[] = [];
  const train: number[] = [];
  items.forEach((it, i) => {
    if (testSpk.includes(it.speaker!)) test.push(i);
    else if (valSpk.includes(it.speaker!)) val.push(i);
    else train.push(i);
  });
  if (train.length === 0) throw new SerError('bad-input', 'no speakers left for training: choose fewer test/validation speakers');
  const split: Split = { kind: 'speaker', seed: spec.seed, train, val, test, trainSpeakers: speakersOf(items, train), valSpeakers: speakersOf(items, val), testSpeakers: speakersOf(items, test) };
  assertNoSpeakerLeak(items, split);
  return split;
}

/**
 * The K speaker groups of k-fold by speaker: the speakers shuffled with the seed, speaker i of that order in group
 * i mod K (sizes differ by at most one). Group k is the test part of fold k.
 */
export function speakerFolds(speakers: readonly string[], folds: number, seed: number): string[][] {
  const order = new Rng(seed).shuffle([...speakers].sort());
  return Array.from({ length: folds }, (_, k) => order.filter((_, i) => i % folds === k));
}

/**
 * Validation speakers per fold when cross-validation is not told: about 10 % of the speakers (as the default
 * speaker split), at least one, and never so many that a fold has no training speaker left (then 0: that fold
 * picks its best epoch by training loss).
 */
export function defaultValSpeakerCount(speakerCount: number, folds: number): number {
  const fewestOutsideTest = speakerCount - Math.ceil(speakerCount / folds);
  return Math.max(0, Math.min(Math.max(1, Math.round(speakerCount * 0.1)), fewestOutsideTest - 1));
}

/** Throws when a speaker appears in two parts of a speaker-independent split. */
export function assertNoSpeakerLeak(items: SplitItem[], split: Pick<Split, 'train' | 'val' | 'test'>): void {
  const owner = new Map<string, string>();
  for (const [part, idx] of [['train', split.train], ['val', split.val], ['test', split.test]] as const) {
    for (const i of idx) {
      const spk = items[i]!.speaker ?? 'unknown';
      const prev = owner.get(spk);
      if (prev && prev !== part) throw new SerError('internal', `speaker ${spk} appears in both ${prev} and ${part}`);
      owner.set(spk, part);
    }
  }
}
