/**
 * Test-time windows: a file is classified as the softmax of the mean log-probability of several 3 s windows
 * starting at different offsets (0.3, 0.4 … 0.7 s) instead of the one window training reads (0.5 s). The same
 * combination as an ensemble's members (ensembleLayers.ts LogProbMean), over inputs instead of models; it costs one
 * forward pass per window. A model opts in with `windowOffsets` in its metadata.json; `--window-offsets` overrides.
 * Live listening has no use for it: it already classifies a window every hop and smooths over them.
 */
import { SerError } from '../../shared/errors.js';
import type { FeatureConfig } from '../audio/features.js';
import { PROB_FLOOR } from '../model/config.js';

/** At most this many windows per file (each is a forward pass). */
export const MAX_WINDOW_OFFSETS = 16;
/** Offsets are seconds into the file, 0 to this. */
export const MAX_WINDOW_OFFSET_SECONDS = 10;

/**
 * The offsets, checked: 1–16 distinct finite numbers of seconds in [0, 10], returned sorted. Throws
 * SerError('bad-input') naming `what` (e.g. "--window-offsets", "model.json's metadata") otherwise.
 */
export function checkWindowOffsets(list: unknown, what: string): number[] {
  const bad = (why: string) => new SerError('bad-input', `${what}: ${why}`);
  if (!Array.isArray(list) || list.length === 0) throw bad('expected a non-empty list of offsets in seconds, e.g. 0.3,0.4,0.5,0.6,0.7');
  if (list.length > MAX_WINDOW_OFFSETS) throw bad(`at most ${MAX_WINDOW_OFFSETS} windows (one forward pass each), got ${list.length}`);
  for (const v of list) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_WINDOW_OFFSET_SECONDS) throw bad(`each offset is a number of seconds from 0 to ${MAX_WINDOW_OFFSET_SECONDS}, got ${JSON.stringify(v)}`);
  }
  const sorted = [...(list as number[])].sort((a, b) => a - b);
  if (sorted.some((v, i) => i > 0 && v === sorted[i - 1])) throw bad(`offsets must differ, got ${list.join(', ')}`);
  return sorted;
}

/** `0.3,0.4,0.5` → [0.3, 0.4, 0.5], checked as above. */
export function parseWindowOffsets(raw: string, what = '--window-offsets'): number[] {
  const parts = raw.split(',').map((s) => s.trim());
  return checkWindowOffsets(parts.map((s) => (/^\d+(\.\d+)?$/.test(s) ? Number(s) : s)), what);
}

/** The windows a model classifies a file with: its metadata's `windowOffsets`, or the one training read. */
export function windowOffsetsOf(meta: { featureConfig: FeatureConfig; windowOffsets?: number[] }): number[] {
  return meta.windowOffsets ?? [meta.featureConfig.offset];
}

/**
 * Adds log p of one window's probabilities (`probs`) into `sum` (same length, or the first sum.length of probs).
 * Probabilities are floored at PROB_FLOOR, as an ensemble's members are.
 */
export function addLogProbs(sum: Float64Array, probs: ArrayLike<number>): void {
  for (let i = 0; i < sum.length; i++) sum[i]! += Math.log(Math.max(probs[i]!, PROB_FLOOR));
}

/**
 * softmax(sum / windows), row by row (rows of `classes`): the combined probabilities, each row summing to 1.
 * `windows` is the count for every row, or one count per row when rows were summed over different windows.
 */
export function meanLogProbSoftmax(sum: Float64Array, windows: number | ArrayLike<number>, classes: number): Float32Array {
  const out = new Float32Array(sum.length);
  for (let r = 0; r < sum.length; r += classes) {
    const n = typeof windows === 'number' ? windows : windows[r / classes]!;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, sum[r + c]! / n);
    let z = 0;
    for (let c = 0; c < classes; c++) z += Math.exp(sum[r + c]! / n - max);
    for (let c = 0; c < classes; c++) out[r + c] = Math.exp(sum[r + c]! / n - max) / z;
  }
  return out;
}

/**
 * Whether window `k` (of the sorted offsets) counts for a file: not when it starts at or past the file's end (it
 * would be silence), except the first, so a file shorter than every offset is still classified.
 */
export function windowCounts(k: number, startsPastEnd: boolean): boolean {
  return k === 0 || !startsPastEnd;
}
