/**
 * Fine-tuning on its own worker thread: loads the base model, freezes what the options say, evaluates the base on
 * the held-out takes, trains on the tuning takes (and their noisy copies) with the base's scaler, evaluates again on
 * the same takes and exports the tuned model beside the base's feature config and scaler. One thread: with the CNN
 * frozen a step is mostly its forward pass, and a single thread keeps frozen weights bit-identical (the
 * data-parallel trainer re-averages every non-trainable weight over its workers).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../../../native/tf/backends.js';
import { splitChunks } from '../audio/chunks.js';
import { Rng } from '../audio/rng.js';
import { FeatureCache } from '../dataset/featureCache.js';
import { EMOTIONS } from '../../shared/labels.js';
import { saveModel } from '../model/index.js';
import { loadExportedModel } from './exported.js';
import { checkLoss, checkWeights } from './finiteGuards.js';
import { applyFreeze } from './freeze.js';
import { createLoopTrainer } from './loopTrainer.js';
import { computeMetrics } from './metrics.js';
import type { PlannedSample } from './plan.js';
import type { TuneWorkerInit, TuneWorkerMessage } from './tuneProtocol.js';

const port = parentPort!;
const init = workerData as TuneWorkerInit;
const opts = init.options;
const send = (m: TuneWorkerMessage) => port.postMessage(m);
const yieldToEvents = () => new Promise<void>((r) => setImmediate(r));

async function main(): Promise<void> {
  const t0 = performance.now();
  const sel = await selectBackend(opts.backend ? { backend: opts.backend } : {});
  send({ type: 'backend', name: sel.name });
  const base = await loadExportedModel(init.baseDir);
  const { model, scaler, metadata } = base;
  const { chunks: chunkCfg, mel } = metadata.featureConfig;
  const nFeatures = chunkCfg.count * mel.nMels * chunkCfg.width;

  const cache = new FeatureCache(init.dataDir, metadata.featureConfig);
  const nFrames = cache.nFrames;
  const load = (s: PlannedSample): Float32Array => {
    const m = cache.read(s.key);
    if (!m) throw new Error(`features of ${s.path} are missing from the cache (${cache.pathFor(s.key)}); start the tuning again`);
    return m;
  };
  const trainMel = init.train.map(load);
  const heldMel = init.heldOut.map(load);
  const trainY = init.train.map((s) => s.label);
  const frozen = applyFreeze(model, opts.freeze);

  // tfjs draws dropout masks from Math.random: seeded, so the same options tune the same model.
  const mathRng = new Rng(opts.seed ^ 0x5bd1e995);
  Math.random = () => mathRng.next();
  const dataRng = new Rng(opts.seed);
  const trainer = await createLoopTrainer(
    model,
    { optimizer: 'sgd', learningRate: opts.learningRate, momentum: 0.8, weightDecay: 1e-3 },
    { workers: 1, backend: sel.name === 'cpu' ? 'cpu' : 'wasm', microBatch: opts.batchSize, evalBatch: 16 },
  );

  const shapeOf = (n: number) => [n, chunkCfg.count, mel.nMels, chunkCfg.width, 1];
  const xsBuf = new Float32Array(Math.max(opts.batchSize, 16) * nFeatures);
  // The base's scaler, never refitted: the tuned model must read features exactly as the base did.
  const fillX = (mels: Float32Array[], idx: number[]): Float32Array => {
    const x = xsBuf.subarray(0, idx.length * nFeatures);
    idx.forEach((i, b) => splitChunks(mels[i]!, mel.nMels, nFrames, chunkCfg, x.subarray(b * nFeatures, (b + 1) * nFeatures)));
    scaler.transform(x, x);
    return x;
  };
  const evaluate = async () => {
    const preds: number[] = [];
    for (let s = 0; s < heldMel.length; s += 16) {
      const idx = Array.from({ length: Math.min(16, heldMel.length - s) }, (_, k) => s + k);
      const p = await trainer.predict({ data: fillX(heldMel, idx), shape: shapeOf(idx.length) });
      idx.forEach((_, b) => {
        let best = 0;
        for (let c = 1; c < EMOTIONS.length; c++) if (p[b * EMOTIONS.length + c]! > p[b * EMOTIONS.length + best]!) best = c;
        preds.push(best);
      });
    }
    return computeMetrics(init.heldOut.map((s) => s.label), preds);
  };

  const before = await evaluate();
  const batches = Math.ceil(trainMel.length / opts.batchSize);
  send({ type: 'ready', trainSize: trainMel.length, heldOut: heldMel.length, batchesPerEpoch: batches, frozen });
  const ysBuf = new Float32Array(opts.batchSize * EMOTIONS.length);
  const epochTimes: number[] = [];
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    const te = performance.now();
    const order = dataRng.shuffle(Array.from({ length: trainMel.length }, (_, i) => i));
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let b = 0; b < batches; b++) {
      const idx = order.slice(b * opts.batchSize, (b + 1) * opts.batchSize);
      const y = ysBuf.subarray(0, idx.length * EMOTIONS.length).fill(0);
      idx.forEach((i, k) => (y[k * EMOTIONS.length + trainY[i]!] = 1));
      const res = await trainer.step({ data: fillX(trainMel, idx), shape: shapeOf(idx.length) }, { data: y, shape: [idx.length, EMOTIONS.length] }, () => mathRng.nextUint32());
      checkLoss('training', res.loss, `epoch ${epoch + 1}, batch ${b + 1} of ${batches}`, opts.learningRate);
      lossSum += res.loss * idx.length;
      correct += res.correct;
      seen += idx.length;
      const elapsed = performance.now() - te;
      const epochMs = epochTimes.length ? epochTimes.reduce((a, c) => a + c, 0) / epochTimes.length : (elapsed / (b + 1)) * batches;
      send({ type: 'batch', epoch, batch: b + 1, batches, loss: lossSum / seen, accuracy: correct / seen, samplesPerSec: (seen / elapsed) * 1000, etaMs: (elapsed / (b + 1)) * (batches - b - 1) + epochMs * (opts.epochs - epoch - 1) });
      await yieldToEvents();
    }
    checkWeights(model, `epoch ${epoch + 1}`, opts.learningRate);
    const durationMs = performance.now() - te;
    epochTimes.push(durationMs);
    const mean = epochTimes.reduce((a, c) => a + c, 0) / epochTimes.length;
    send({ type: 'epoch', epoch, epochs: opts.epochs, trainLoss: lossSum / seen, trainAccuracy: correct / seen, lr: opts.learningRate, durationMs, samplesPerSec: (seen / durationMs) * 1000, etaMs: mean * (opts.epochs - epoch - 1) });
  }

  const after = await evaluate();
  await saveModel(model, init.modelDir);
  const summary = (m: typeof after) => ({ accuracy: m.accuracy, uar: m.uar, confusion: m.confusion });
  writeFileSync(
    join(init.modelDir, 'metadata.json'),
    JSON.stringify(
      {
        // Only what still describes this model: the base's card and test figures do not.
        kind: 'vox-affect-model',
        labels: EMOTIONS,
        featureConfig: metadata.featureConfig,
        scaler: metadata.scaler,
        ...(metadata.modelConfig !== undefined ? { modelConfig: metadata.modelConfig } : {}),
        // How files are read still holds: the same windows as the base.
        ...(metadata.windowOffsets !== undefined ? { windowOffsets: metadata.windowOffsets } : {}),
        runId: init.runId,
        appVersion: init.appVersion,
        backend: sel.name,
        parent: { model: init.baseDir, runId: init.baseRunId },
        tune: { freeze: opts.freeze, frozenLayers: frozen, epochs: opts.epochs, learningRate: opts.learningRate, seed: opts.seed, trainSamples: trainMel.length, heldOut: init.heldOut.map((s) => s.path), before: summary(before), after: summary(after) },
        datasetFingerprint: init.datasetFingerprint,
        createdAt: new Date().toISOString(),
      },
      null,
      1,
    ),
  );
  await trainer.dispose();
  base.dispose();
  send({ type: 'finished', before, after, epochs: opts.epochs, durationMs: performance.now() - t0, modelDir: init.modelDir });
}

main().catch((err: unknown) => {
  send({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
});
