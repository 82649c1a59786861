/**
 * Training-batch assembly on the main thread (issue 10), as trainWorker.ts's `Batches` does it: 32 cached
 * 128 × 563 spectrograms split into 7 × 128 × 128 chunks and scaled in place, then mixed up. These milliseconds are
 * taken from the gradient workers when a run uses every core. `npx tsx bench/assembly.ts [--reps 20] [--batch 32]`
 * prints one JSON line of medians in ms per batch: `chunks` from the cached arrays as they are, `staged` with each
 * clip first copied into a scratch area of the batch's own buffer (what `Batches` does), `transform` (the scaler,
 * in place), `batch` = staged + transform, and `mixup`. Each stage is timed on its own, the stages taking turns;
 * run it on two versions in turn to compare.
 */
import { PAPER_CHUNKS, splitChunks } from '../electron/engine/audio/chunks.js';
import { Rng } from '../electron/engine/audio/rng.js';
import { StandardScaler } from '../electron/engine/audio/scaler.js';
import { mixupBatch } from '../electron/engine/training/mixup.js';
import { arg, median, round3 } from './stats.js';

const reps = Number(arg('reps', '20'));
const batch = Number(arg('batch', '32'));
const nMels = 128;
const nFrames = 563;
const classes = 8;
const nFeatures = PAPER_CHUNKS.count * nMels * PAPER_CHUNKS.width;

const rng = new Rng(1);
const mels = Array.from({ length: batch }, () => Float32Array.from({ length: nMels * nFrames }, () => rng.normal() * 20 - 40));
const scaler = new StandardScaler(nFeatures);
for (const m of mels.slice(0, 4)) scaler.partialFit(splitChunks(m, nMels, nFrames));
const buf = new Float32Array(batch * nFeatures + nMels * nFrames);
const xs = buf.subarray(0, batch * nFeatures);
const stage = buf.subarray(batch * nFeatures);
const ys = new Float32Array(batch * classes);
const scratch = new Float32Array(nFeatures);

const chunks = () => {
  for (let b = 0; b < batch; b++) splitChunks(mels[b]!, nMels, nFrames, PAPER_CHUNKS, xs.subarray(b * nFeatures, (b + 1) * nFeatures));
};
const staged = () => {
  for (let b = 0; b < batch; b++) {
    stage.set(mels[b]!);
    splitChunks(stage, nMels, nFrames, PAPER_CHUNKS, xs.subarray(b * nFeatures, (b + 1) * nFeatures));
  }
};
const transform = () => scaler.transform(xs, xs);
let k = 0;
const mixup = () => {
  ys.fill(0);
  for (let b = 0; b < batch; b++) ys[b * classes + (b % classes)] = 1;
  mixupBatch(xs, ys, batch, 0.2, new Rng(++k), scratch);
};

const stages = { chunks, staged, transform, mixup };
const times: Record<keyof typeof stages, number[]> = { chunks: [], staged: [], transform: [], mixup: [] };
for (let r = 0; r < reps + 5; r++) {
  for (const [name, fn] of Object.entries(stages) as [keyof typeof stages, () => void][]) {
    const t0 = performance.now();
    fn();
    if (r >= 5) times[name].push(performance.now() - t0); // the first rounds warm V8 up
  }
}
const ms = (name: keyof typeof stages) => round3(median(times[name]));
const sums = times.staged.map((c, i) => c + times.transform[i]!);
const result = { name: 'assembly', batch, reps, chunks_ms: ms('chunks'), staged_ms: ms('staged'), transform_ms: ms('transform'), batch_ms: round3(median(sums)), mixup_ms: ms('mixup') };
process.stdout.write(JSON.stringify(result) + '\n');
