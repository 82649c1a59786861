/**
 * The training loop, on its own worker thread: loads cached features, fits the scaler on the training part,
 * trains with checkpoints every epoch, evaluates, exports. Talks to the session only through messages.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../../native/tf/backends.js';
import { splitChunks } from '../audio/chunks.js';
import { Rng } from '../audio/rng.js';
import { StandardScaler } from '../audio/scaler.js';
import { specAugment } from '../audio/specAugment.js';
import { drawWarp, warpMel } from '../audio/freqWarp.js';
import { smoothLabels } from './labelSmoothing.js';
import { mixupBatch } from './mixup.js';
import { FeatureCache } from '../dataset/featureCache.js';
import { EMOTIONS } from '../../shared/labels.js';
import { PROB_FLOOR } from '../model/config.js';
import { buildAdversarialModel, buildModel, saveModel } from '../model/index.js';
import { hasCheckpoint, loadCheckpoint, loadWeightsInto, saveCheckpoint, type TrainState } from './checkpoint.js';
import { checkLoss, checkScaler, checkWeights } from './finiteGuards.js';
import { computeMetrics } from './metrics.js';
import { trainingSpeakers, type PlannedSample } from './plan.js';
import type { ControlMessage, Prediction, WorkerInit, WorkerMessage } from './protocol.js';
import type { Metrics } from './types.js';
import { initialPlateau, learningRateAt, updatePlateau } from './schedule.js';
import { createLoopTrainer, type LoopTrainer } from './loopTrainer.js';

const port = parentPort!;
const init = workerData as WorkerInit;
const opts = init.options;
const send = (m: WorkerMessage) => port.postMessage(m);

let paused = false;
let stopRequest: 'cancel' | 'interrupt' | undefined;
let wake: (() => void) | undefined;
port.on('message', (m: ControlMessage) => {
  if (m.type === 'pause') paused = true;
  else if (m.type === 'resume') paused = false;
  else stopRequest = m.type;
  wake?.();
});

/** Lets control messages in between batches (the step itself is synchronous). */
const yieldToEvents = () => new Promise<void>((r) => setImmediate(r));

/** Seed of the SpecAugment masks of the clip at `position` in `epoch`'s order. */
const maskSeed = (seed: number, epoch: number, position: number): number =>
  (Math.imul(seed ^ 0x6d2b79f5, 0x9e3779b1) + Math.imul(epoch + 1, 0x85ebca77) + Math.imul(position + 1, 0xc2b2ae3d)) >>> 0;

// Other augmentations draw from their own streams, so turning one on leaves the others' draws as they were.
const WARP_STREAM = 0x2f6b1c3d;
const MIXUP_STREAM = 0x51ed270b;

/** Windows per evaluation round (the workers split it into batches of 16). */
const EVAL_CHUNK = 64;

async function waitWhilePaused(epoch: number): Promise<void> {
  if (!paused || stopRequest) return;
  send({ type: 'paused', epoch });
  while (paused && !stopRequest) await new Promise<void>((r) => (wake = r));
  wake = undefined;
  if (!stopRequest) send({ type: 'resumed', epoch });
}

/** The run's features, read from the cache: one mel spectrogram per sample of each part. */
interface Features {
  train: Float32Array[];
  val: Float32Array[];
  test: Float32Array[];
  trainY: number[];
  /** Each training sample's speaker as an index of the adversary's head (empty without one). */
  trainSpeaker: number[];
  /** Outputs of the adversary's head: the training speakers (0 without one). */
  speakers: number;
}

function loadFeatures(cache: FeatureCache): Features {
  const load = (s: PlannedSample): Float32Array => {
    const m = cache.read(s.key);
    if (!m) throw new Error(`features of ${s.path} are missing from the cache (${cache.pathFor(s.key)}); run \`ser dataset extract\` or start the run again`);
    return m;
  };
  const speakers = opts.speakerAdversary ? trainingSpeakers(init.samples.train) : [];
  const speakerIndex = new Map(speakers.map((s, i) => [s, i]));
  return {
    train: init.samples.train.map(load),
    val: init.samples.val.map(load),
    test: init.samples.test.map(load),
    trainY: init.samples.train.map((s) => s.label),
    trainSpeaker: speakers.length ? init.samples.train.map((s) => speakerIndex.get(s.speaker!)!) : [],
    speakers: speakers.length,
  };
}

/** Scaler: per feature position over the training part (noisy copies included, as the reference does). */
function fitScaler(train: Float32Array[], nFrames: number): StandardScaler {
  const { chunks: chunkCfg, mel } = init.featureConfig;
  const nFeatures = chunkCfg.count * mel.nMels * chunkCfg.width;
  const scaler = new StandardScaler(nFeatures);
  const chunkBuf = new Float32Array(nFeatures);
  for (const m of train) scaler.partialFit(splitChunks(m, mel.nMels, nFrames, chunkCfg, chunkBuf));
  checkScaler(scaler, train, init.samples.train.map((s) => s.path));
  return scaler;
}

/** The state of a new run, or the checkpointed one (weights and optimizer slots restored into `model`). */
async function startingState(checkpointDir: string, model: LayersModel, trainer: LoopTrainer): Promise<{ state: TrainState; resumed: boolean }> {
  if (init.resume && hasCheckpoint(checkpointDir)) return { state: await loadCheckpoint(checkpointDir, model, trainer.optimizer), resumed: true };
  const state: TrainState = {
    nextEpoch: 0,
    dataRng: new Rng(opts.seed).state,
    mathRng: new Rng(opts.seed ^ 0x5bd1e995).state,
    plateau: opts.schedule.kind === 'plateau' ? initialPlateau(opts.learningRate) : null,
    bestMetric: null,
    bestEpoch: null,
    epochsWithoutImprovement: 0,
    elapsedMs: 0,
  };
  return { state, resumed: false };
}

/**
 * Model inputs from cached spectrograms: chunked, masked (training batches with SpecAugment), scaled, into one
 * reused buffer — a step copies what it needs before returning, so the next batch is assembled while it runs.
 */
class Batches {
  readonly #nFeatures: number;
  /** Targets per clip: the emotions, then the adversary's speakers (if any). */
  readonly #yWidth: number;
  readonly #xs: Float32Array;
  readonly #ys: Float32Array;
  readonly #masked: Float32Array;
  readonly #warped: Float32Array;
  /** One clip, for mixupBatch (which would otherwise allocate it per batch). */
  readonly #mixScratch: Float32Array | undefined;

  constructor(
    private readonly features: Features,
    private readonly scaler: StandardScaler,
    private readonly nFrames: number,
  ) {
    const { chunks, mel } = init.featureConfig;
    this.#nFeatures = chunks.count * mel.nMels * chunks.width;
    const xsLength = Math.max(opts.batchSize, EVAL_CHUNK) * this.#nFeatures;
    const melLength = mel.nMels * nFrames;
    // The spectrogram scratch buffers share the batch's buffer: splitChunks copies rows within one buffer fastest.
    const buf = new Float32Array(xsLength + 2 * melLength);
    this.#xs = buf.subarray(0, xsLength);
    this.#masked = buf.subarray(xsLength, xsLength + melLength);
    this.#warped = buf.subarray(xsLength + melLength);
    this.#yWidth = EMOTIONS.length + features.speakers;
    this.#ys = new Float32Array(opts.batchSize * this.#yWidth);
    this.#mixScratch = opts.mixup ? new Float32Array(this.#nFeatures) : undefined;
  }

  shapeOf(n: number): number[] {
    const { chunks, mel } = init.featureConfig;
    return [n, chunks.count, mel.nMels, chunks.width, 1];
  }

  // `clipRng(b, stream)`: a generator of the batch's b-th clip, a function of the run's seed, the stream and the
  // clip's place in the epoch's order, so augmentations need no checkpointed state and resume exactly.
  inputs(mels: Float32Array[], idx: number[], clipRng?: (b: number, stream: number) => Rng): Float32Array {
    const { chunks, mel } = init.featureConfig;
    const n = this.#nFeatures;
    const x = this.#xs.subarray(0, idx.length * n);
    idx.forEach((i, b) => {
      let m = mels[i]!; // the cached spectrogram stays as it is: augmentations write to the scratch buffers
      if (clipRng && opts.freqWarp) m = warpMel(m, mel.nMels, this.nFrames, drawWarp(opts.freqWarp, clipRng(b, WARP_STREAM)), this.#warped);
      if (clipRng && opts.specAugment) {
        if (m !== this.#masked) this.#masked.set(m);
        m = specAugment(this.#masked, mel.nMels, this.nFrames, opts.specAugment, clipRng(b, 0));
      }
      if (m.buffer !== x.buffer) {
        this.#masked.set(m); // one copy of the clip here saves splitChunks a view per row
        m = this.#masked;
      }
      splitChunks(m, mel.nMels, this.nFrames, chunks, x.subarray(b * n, (b + 1) * n));
    });
    this.scaler.transform(x, x);
    return x;
  }

  /** Training batch `idx` of `epoch`, whose first clip is at position `first` of the epoch's order. */
  train(idx: number[], epoch: number, first: number) {
    const w = this.#yWidth;
    const y = this.#ys.subarray(0, idx.length * w).fill(0);
    idx.forEach((i, b) => {
      y[b * w + this.features.trainY[i]!] = 1;
      if (this.features.speakers) y[b * w + EMOTIONS.length + this.features.trainSpeaker[i]!] = 1;
    });
    const clipRng = (b: number, stream: number) => new Rng(maskSeed(opts.seed ^ stream, epoch, first + b));
    const x = this.inputs(this.features.train, idx, clipRng);
    if (opts.mixup) mixupBatch(x, y, idx.length, opts.mixup, new Rng(maskSeed(opts.seed ^ MIXUP_STREAM, epoch, first)), this.#mixScratch);
    if (opts.labelSmoothing) smoothLabels(y, EMOTIONS.length, opts.labelSmoothing, w);
    return { xs: { data: x, shape: this.shapeOf(idx.length) }, ys: { data: y, shape: [idx.length, w] } };
  }
}

/** Predictions, probabilities and mean cross-entropy of the model on `mels`. */
async function evaluate(trainer: LoopTrainer, batches: Batches, mels: Float32Array[], samples: PlannedSample[]) {
  const preds: number[] = [];
  const probs: number[][] = [];
  let lossSum = 0;
  for (let s = 0; s < mels.length; s += EVAL_CHUNK) {
    const idx = Array.from({ length: Math.min(EVAL_CHUNK, mels.length - s) }, (_, k) => s + k);
    const data = await trainer.predict({ data: batches.inputs(mels, idx), shape: batches.shapeOf(idx.length) });
    idx.forEach((i, b) => {
      const row = Array.from(data.subarray(b * EMOTIONS.length, (b + 1) * EMOTIONS.length));
      let best = 0;
      for (let c = 1; c < row.length; c++) if (row[c]! > row[best]!) best = c;
      preds.push(best);
      probs.push(row);
      lossSum += -Math.log(Math.max(PROB_FLOOR, row[samples[i]!.label]!));
    });
  }
  return { preds, probs, loss: mels.length ? lossSum / mels.length : 0 };
}

/** The loop's state across epochs: the model, its trainer and the checkpointed state. */
interface Loop {
  /** The network trained and checkpointed: the model, or the model with a speaker adversary's head. */
  model: LayersModel;
  /** The emotion network (the same layers as `model`, without a head of its own): best weights, export. */
  exported: LayersModel;
  trainer: LoopTrainer;
  batches: Batches;
  features: Features;
  state: TrainState;
  dataRng: Rng;
  mathRng: Rng;
  batchesPerEpoch: number;
  checkpointDir: string;
  bestDir: string;
  /** Durations of the epochs run in this process (ETAs). */
  epochTimes: number[];
}

/** One pass over the training part in a new order, reporting batches (≤ 4 a second); stops early on a stop request. */
async function trainEpoch(loop: Loop, epoch: number, lr: number, te: number) {
  const { trainer, batches, features, batchesPerEpoch, epochTimes } = loop;
  const order = loop.dataRng.shuffle(Array.from({ length: features.train.length }, (_, i) => i));
  let lossSum = 0;
  let correct = 0;
  let seen = 0;
  let lastReport = 0;
  const batchIdx = (b: number) => order.slice(b * opts.batchSize, (b + 1) * opts.batchSize);
  let ta = performance.now();
  let next = batches.train(batchIdx(0), epoch, 0);
  let assembleMs = performance.now() - ta;
  let stepMs = 0;
  for (let b = 0; b < batchesPerEpoch; b++) {
    const idx = batchIdx(b);
    const ts = performance.now();
    const pending = trainer.step(next.xs, next.ys, () => loop.mathRng.nextUint32());
    ta = performance.now();
    if (b + 1 < batchesPerEpoch) {
      next = batches.train(batchIdx(b + 1), epoch, (b + 1) * opts.batchSize); // overlaps the step when it runs on workers
      trainer.stage(next.xs, next.ys); // …which take it as soon as they finish this step
    }
    assembleMs += performance.now() - ta;
    const res = await pending;
    stepMs += performance.now() - ts;
    checkLoss('training', res.loss, `epoch ${epoch + 1}, batch ${b + 1} of ${batchesPerEpoch}`, lr);
    lossSum += res.loss * idx.length;
    correct += res.correct;
    seen += idx.length;
    const now = performance.now();
    if (now - lastReport > 250 || b === batchesPerEpoch - 1) {
      lastReport = now;
      const elapsed = now - te;
      const perBatch = elapsed / (b + 1);
      const epochMs = epochTimes.length ? epochTimes.reduce((a, c) => a + c, 0) / epochTimes.length : perBatch * batchesPerEpoch;
      send({ type: 'batch', epoch, batch: b + 1, batches: batchesPerEpoch, loss: lossSum / seen, accuracy: correct / seen, samplesPerSec: (seen / elapsed) * 1000, etaMs: perBatch * (batchesPerEpoch - b - 1) + epochMs * (opts.epochs - epoch - 1) });
    }
    await yieldToEvents();
    await waitWhilePaused(epoch);
    if (stopRequest) break;
  }
  return { lossSum, correct, seen, stepMs, assembleMs };
}

/**
 * Runs the epochs from the state's next one until the budget, early stopping or a stop request; each finished
 * epoch is validated, reported and checkpointed (the best weights apart). Returns the epochs done.
 */
async function trainEpochs(loop: Loop): Promise<number> {
  const { model, trainer, state, features } = loop;
  const es = opts.earlyStopping;
  const metricName = es?.metric ?? (features.val.length ? 'valAccuracy' : 'trainLoss');
  const higherIsBetter = metricName === 'valAccuracy';
  let checkpointMs = 0; // the previous epoch's checkpoint writes (they follow its event)
  let epoch = state.nextEpoch;
  for (; epoch < opts.epochs; epoch++) {
    const te = performance.now();
    const lr = learningRateAt(opts.schedule, opts.learningRate, epoch, opts.epochs, state.plateau ?? undefined);
    const optim = trainer.optimizer as tf.Optimizer & { setLearningRate?: (lr: number) => void; learningRate?: number };
    if (optim.setLearningRate) optim.setLearningRate(lr);
    else optim.learningRate = lr;

    const { lossSum, correct, seen, stepMs, assembleMs } = await trainEpoch(loop, epoch, lr, te);
    if (stopRequest) break; // the partial epoch is dropped: resume redoes it from the last checkpoint
    checkWeights(model, `epoch ${epoch + 1}`, lr); // before anything is evaluated or checkpointed with them

    const tv = performance.now();
    const val = features.val.length ? await evaluate(trainer, loop.batches, features.val, init.samples.val) : undefined;
    const evalMs = performance.now() - tv;
    if (val) checkLoss('validation', val.loss, `epoch ${epoch + 1}`, lr);
    const valMetrics = val ? computeMetrics(init.samples.val.map((s) => s.label), val.preds) : null;
    if (opts.schedule.kind === 'plateau' && state.plateau) state.plateau = updatePlateau(opts.schedule, state.plateau, val ? val.loss : lossSum / seen);
    const durationMs = performance.now() - te;
    loop.epochTimes.push(durationMs);
    state.elapsedMs += durationMs;
    send({
      type: 'epoch',
      epoch,
      epochs: opts.epochs,
      trainLoss: lossSum / seen,
      trainAccuracy: correct / seen,
      valLoss: val ? val.loss : null,
      valMetrics,
      lr,
      durationMs,
      samplesPerSec: (seen / durationMs) * 1000,
      etaMs: (loop.epochTimes.reduce((a, c) => a + c, 0) / loop.epochTimes.length) * (opts.epochs - epoch - 1),
      tensors: tf.memory().numTensors,
      timing: { stepMs, assembleMs, evalMs, checkpointMs },
    });
    const tc = performance.now();

    const metric = metricName === 'valAccuracy' ? valMetrics!.accuracy : metricName === 'valLoss' ? val!.loss : lossSum / seen;
    const improved = state.bestMetric === null || (higherIsBetter ? metric > state.bestMetric : metric < state.bestMetric);
    if (improved) {
      state.bestMetric = metric;
      state.bestEpoch = epoch;
      state.epochsWithoutImprovement = 0;
      await saveCheckpoint(loop.bestDir, loop.exported, undefined, undefined);
      send({ type: 'checkpoint', epoch, path: loop.bestDir, best: true, metric, metricName });
    } else state.epochsWithoutImprovement++;
    state.nextEpoch = epoch + 1;
    state.dataRng = loop.dataRng.state;
    state.mathRng = loop.mathRng.state;
    await saveCheckpoint(loop.checkpointDir, model, trainer.optimizer, state);
    checkpointMs = performance.now() - tc;
    send({ type: 'checkpoint', epoch, path: loop.checkpointDir, best: false, metric, metricName });
    if (es && state.epochsWithoutImprovement >= es.patience) {
      epoch++;
      break;
    }
    if (stopRequest) break;
  }
  return epoch;
}

/**
 * Tests the best weights (early stopping's restore), then exports them with their metadata and test predictions.
 * A split without a test part (`all`) skips the test: the model is exported with `test: null` and no predictions
 * file (the Results view then lists no misclassified clips rather than "none").
 */
async function testAndExport(loop: Loop, scaler: StandardScaler, modelCfg: object, backend: string, workers: number, epochs: number): Promise<void> {
  const { exported: model, trainer, state } = loop;
  if (hasCheckpoint(loop.bestDir) || state.bestEpoch !== null) await loadWeightsInto(model, loop.bestDir);
  let tested: { metrics: Metrics; loss: number; predictions: Prediction[] } | null = null;
  if (loop.features.test.length) {
    const test = await evaluate(trainer, loop.batches, loop.features.test, init.samples.test);
    checkLoss('test', test.loss, 'the end of training', opts.learningRate);
    const metrics = computeMetrics(init.samples.test.map((s) => s.label), test.preds);
    const predictions = init.samples.test.map((s, i) => ({ path: s.path, label: s.label, predicted: test.preds[i]!, probs: test.probs[i]! }));
    tested = { metrics, loss: test.loss, predictions };
  }
  await saveModel(model, init.modelDir);
  const metadata = {
    kind: 'vox-affect-model',
    labels: EMOTIONS,
    featureConfig: init.featureConfig,
    scaler: scaler.toJSON(),
    modelConfig: modelCfg,
    runId: init.runId,
    appVersion: init.appVersion,
    backend,
    workers,
    datasetFingerprint: init.datasetFingerprint,
    bestEpoch: state.bestEpoch,
    test: tested ? { accuracy: tested.metrics.accuracy, uar: tested.metrics.uar, macroF1: tested.metrics.macroF1 } : null,
    createdAt: new Date().toISOString(),
  };
  writeFileSync(join(init.modelDir, 'metadata.json'), JSON.stringify(metadata, null, 1));
  if (tested) writeFileSync(join(init.modelDir, 'test_predictions.json'), JSON.stringify(tested.predictions));
  await trainer.dispose();
  send({ type: 'finished', test: tested?.metrics ?? null, testLoss: tested?.loss ?? null, predictions: tested?.predictions ?? [], epochs, bestEpoch: state.bestEpoch, durationMs: state.elapsedMs, modelDir: init.modelDir });
}

async function main(): Promise<void> {
  const sel = await selectBackend(opts.backend ? { backend: opts.backend } : {});
  // Data-parallel worker threads only pay on the portable backends; tfjs-node already uses every core.
  const workers = sel.name === 'wasm' || sel.name === 'cpu' ? Math.max(1, opts.workers ?? 1) : 1;
  send({ type: 'backend', name: sel.name, skipped: sel.skipped, workers });

  const { chunks: chunkCfg, mel } = init.featureConfig;
  const cache = new FeatureCache(init.dataDir, init.featureConfig);
  const nFrames = cache.nFrames;
  const features = loadFeatures(cache);
  const scaler = fitScaler(features.train, nFrames);

  const modelCfg = { ...opts.model, seed: opts.model?.seed ?? opts.seed, chunks: chunkCfg.count, melBands: mel.nMels, frames: chunkCfg.width, classes: EMOTIONS.length };
  // With a speaker adversary the network trained is the model plus its head; the model alone is exported.
  const { model: exported, trainModel: model } = opts.speakerAdversary
    ? buildAdversarialModel(modelCfg, features.speakers, opts.speakerAdversary)
    : ((m: LayersModel) => ({ model: m, trainModel: m }))(buildModel(modelCfg));
  // A whole batch of 32 fits wasm32's 4 GB since the fused kernels (≈1.1 GB peak) and is what makes BatchNorm
  // statistics match the reference; bigger batches are split so memory stays bounded. With several workers each
  // takes its slice of the batch (per-worker BatchNorm statistics, see training/parallelTrainer.ts).
  const microBatch = opts.microBatch ?? (sel.name === 'wasm' || sel.name === 'cpu' ? Math.min(32, opts.batchSize) : opts.batchSize);
  const trainer: LoopTrainer = await createLoopTrainer(
    model,
    { optimizer: opts.optimizer, learningRate: opts.learningRate, momentum: opts.momentum, weightDecay: opts.weightDecay },
    { workers, backend: sel.name === 'cpu' ? 'cpu' : 'wasm', microBatch, evalBatch: Math.max(1, Math.min(16, opts.batchSize)), classes: EMOTIONS.length },
  );

  const checkpointDir = join(init.runDir, 'checkpoint');
  mkdirSync(init.runDir, { recursive: true });
  const { state, resumed } = await startingState(checkpointDir, model, trainer);
  const dataRng = new Rng(state.dataRng);
  // tfjs draws dropout masks from Math.random; a seeded, checkpointed generator makes runs (and resumes) repeatable
  // (with several workers it draws one seed per step for the workers' own generators).
  const mathRng = new Rng(state.mathRng);
  Math.random = () => mathRng.next();

  const batchesPerEpoch = Math.ceil(features.train.length / opts.batchSize);
  send({ type: 'ready', startEpoch: state.nextEpoch, batchesPerEpoch, trainSize: features.train.length, valSize: features.val.length, testSize: features.test.length, resumed, scaler: scaler.toJSON() });

  const loop: Loop = {
    model, exported, trainer, batches: new Batches(features, scaler, nFrames), features, state, dataRng, mathRng, batchesPerEpoch,
    checkpointDir, bestDir: join(init.runDir, 'best'), epochTimes: [],
  };
  const epochs = await trainEpochs(loop);
  if (stopRequest) {
    await trainer.dispose();
    send({ type: 'stopped', reason: stopRequest, epoch: epochs });
    return;
  }
  await testAndExport(loop, scaler, modelCfg, sel.name, workers, epochs);
}

main().catch((err: unknown) => {
  send({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
});
