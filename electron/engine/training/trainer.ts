/**
 * A custom training step: forward + cross-entropy + backward + optimizer update, with gradient accumulation over
 * micro-batches so an effective batch of 32 fits in wasm32's 4 GB (a full batch of the paper's model needs >4 GB of
 * activations there). `model.fit` cannot accumulate, and tfjs optimizers have no weight decay, so both live here.
 *
 * Semantics (match the PyTorch reference): loss = mean cross-entropy over the whole batch; weight decay wd adds
 * wd·w to every trainable weight's gradient (= an L2 penalty wd/2·‖w‖²); SGD momentum v ← m·v + g, w ← w − lr·v.
 * BatchNorm statistics are per micro-batch (and its moving averages are updated once per micro-batch).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { defaultTrainConfig, PROB_FLOOR, type TrainConfig } from '../model/config.js';

export interface StepOptions {
  /** Samples per forward/backward pass; gradients of the passes are summed. Default: the whole batch. */
  microBatch?: number;
}

export interface StepResult {
  /** Mean cross-entropy of the batch over its task's classes (without the weight-decay penalty or an extra head's loss). */
  loss: number;
  /** Samples whose top prediction (in training mode, with dropout) was the label: running train accuracy. */
  correct: number;
}

export interface Trainer {
  readonly config: TrainConfig;
  readonly optimizer: tf.Optimizer;
  /** One update from features xs [B, chunks, mel, frames, 1] and one-hot labels ys [B, classes]. */
  step(xs: tf.Tensor, ys: tf.Tensor, opts?: StepOptions): StepResult;
  /**
   * Loss and gradients of one batch without updating anything (weights, optimizer state or — since BatchNorm runs
   * in training mode — the moving statistics are still updated). Used to compare backends; the caller disposes.
   */
  gradients(xs: tf.Tensor, ys: tf.Tensor, opts?: StepOptions): { loss: number; correct: number; grads: tf.NamedTensorMap };
  dispose(): void;
}

/** Weight decay (g += wd·w, then the gradients are disposed) and one optimizer update of `model`'s trainable weights. */
export function applyUpdate(optimizer: tf.Optimizer, model: LayersModel, grads: tf.NamedTensorMap, weightDecay: number): void {
  const named: tf.NamedTensorMap = {};
  for (const w of model.trainableWeights) {
    const v = w.read() as tf.Variable;
    const g = grads[v.name];
    named[v.name] = weightDecay > 0 ? tf.tidy(() => tf.add(g, tf.mul(v, weightDecay))) : g;
    if (weightDecay > 0) g.dispose();
  }
  optimizer.applyGradients(named);
  tf.dispose(Object.values(named));
}

export function makeOptimizer(cfg: TrainConfig): tf.Optimizer {
  return cfg.optimizer === 'adam' ? tf.train.adam(cfg.learningRate) : tf.train.momentum(cfg.learningRate, cfg.momentum);
}

export interface TrainerHeads {
  /**
   * The task's classes: the model's first `classes` outputs. Any outputs after them belong to training-only heads
   * (model/speakerAdversary.ts), a softmax of their own with their own one-hot targets in the same columns of ys:
   * they add their cross-entropy to the loss minimised, but not to the loss and accuracy reported. Default: all.
   */
  classes?: number;
}

/** Creates a trainer for `model` (SGD momentum 0.8, lr 0.01, wd 1e-3 unless overridden). */
export function createTrainer(model: LayersModel, partial: Partial<TrainConfig> = {}, heads: TrainerHeads = {}): Trainer {
  const config: TrainConfig = { ...defaultTrainConfig, ...partial };
  const optimizer = makeOptimizer(config);
  const vars = () => model.trainableWeights.map((w) => w.read() as tf.Variable);

  function lossAndGrads(xs: tf.Tensor, ys: tf.Tensor, opts: StepOptions): { loss: number; correct: number; grads: tf.NamedTensorMap } {
    const batch = xs.shape[0];
    if (ys.shape[0] !== batch) throw new RangeError(`trainer: ${batch} inputs but ${ys.shape[0]} labels`);
    const mb = Math.max(1, Math.min(opts.microBatch ?? batch, batch));
    const varList = vars();
    let acc: tf.NamedTensorMap | undefined;
    let lossSum = 0;
    let correct = 0;
    for (let start = 0; start < batch; start += mb) {
      const n = Math.min(mb, batch - start);
      let hits: tf.Tensor | undefined;
      let taskLoss: tf.Tensor | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const xb = n === batch ? xs : tf.slice(xs, start, n);
        const yb = n === batch ? ys : tf.slice(ys, start, n);
        const p = model.apply(xb, { training: true }) as tf.Tensor2D;
        // Sum over this micro-batch divided by the whole batch: accumulated grads equal the full-batch mean's.
        const crossEntropy = (y: tf.Tensor, q: tf.Tensor) => tf.div(tf.neg(tf.sum(tf.mul(y, tf.log(tf.clipByValue(q, PROB_FLOOR, 1))))), batch) as tf.Scalar;
        const extra = heads.classes !== undefined && heads.classes < p.shape[1];
        const pTask = extra ? tf.slice(p, [0, 0], [-1, heads.classes!]) : p;
        const yTask = extra ? tf.slice(yb, [0, 0], [-1, heads.classes!]) : yb;
        hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(pTask, 1), tf.argMax(yTask, 1)), 'int32')));
        const total = crossEntropy(yb, p);
        // The task's loss apart only when an extra head adds to the total: otherwise the total is the task's.
        if (extra) taskLoss = tf.keep(crossEntropy(yTask, pTask));
        return total;
      }, varList);
      lossSum += (taskLoss ?? value).dataSync()[0];
      value.dispose();
      taskLoss?.dispose();
      if (hits) {
        correct += hits.dataSync()[0];
        hits.dispose();
      }
      if (!acc) acc = grads;
      else {
        for (const k of Object.keys(grads)) {
          const sum = tf.add(acc[k], grads[k]);
          acc[k].dispose();
          grads[k].dispose();
          acc[k] = sum;
        }
      }
    }
    return { loss: lossSum, correct, grads: acc! };
  }

  return {
    config,
    optimizer,
    gradients: (xs, ys, opts = {}) => lossAndGrads(xs, ys, opts),
    step(xs, ys, opts = {}) {
      const { loss, correct, grads } = lossAndGrads(xs, ys, opts);
      applyUpdate(optimizer, model, grads, config.weightDecay);
      return { loss, correct };
    },
    dispose() {
      optimizer.dispose();
    },
  };
}
