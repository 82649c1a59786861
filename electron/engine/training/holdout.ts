/**
 * Which takes a tune run keeps aside: `perEmotion` takes of every emotion present, drawn with the run's seed, so
 * the base and the tuned model are compared on exactly the same clips — clips the tuning never sees (a take whose
 * content duplicates a held-out one under another name is kept out of the tuning set too).
 */
import { Rng } from '../audio/rng.js';
import { SerError } from '../../shared/errors.js';
import type { Emotion } from '../../shared/labels.js';

export interface Take {
  emotion: Emotion;
  contentHash: string;
  path: string;
}

export interface HoldoutSplit {
  /** Indices into the takes: tuned on. */
  train: number[];
  /** Indices into the takes: evaluated before and after. */
  heldOut: number[];
}

export function chooseHoldout(takes: readonly Take[], perEmotion: number, seed: number, dataDir: string): HoldoutSplit {
  if (!(Number.isInteger(perEmotion) && perEmotion >= 1)) throw new SerError('bad-input', `--holdout must be a positive integer, got ${perEmotion}`);
  const byEmotion = new Map<Emotion, number[]>();
  takes.forEach((t, i) => byEmotion.set(t.emotion, [...(byEmotion.get(t.emotion) ?? []), i]));
  const rng = new Rng(seed);
  const heldOut: number[] = [];
  // Emotions in a fixed order and takes sorted by path, so the choice depends only on the seed and the files.
  for (const emotion of [...byEmotion.keys()].sort()) {
    const idx = byEmotion.get(emotion)!.sort((a, b) => (takes[a]!.path < takes[b]!.path ? -1 : 1));
    if (idx.length <= perEmotion) {
      throw new SerError('bad-input', `${dataDir}: ${emotion} has ${idx.length} take(s); holding out ${perEmotion} per emotion leaves none to tune on (record more or lower --holdout)`);
    }
    heldOut.push(...rng.shuffle(idx).slice(0, perEmotion));
  }
  const heldHashes = new Set(heldOut.map((i) => takes[i]!.contentHash));
  const held = new Set(heldOut);
  const train = takes.map((_, i) => i).filter((i) => !held.has(i) && !heldHashes.has(takes[i]!.contentHash));
  return { train, heldOut: heldOut.sort((a, b) => a - b) };
}
