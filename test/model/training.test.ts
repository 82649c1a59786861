/**
 * Training on wasm (with our kernels) against cpu (tfjs' reference kernels): fused BatchNorm+ReLU and MaxPoolGrad
 * kernels, a whole step's gradients, the same losses over a short run with the same seed, and learning a separable
 * generated set. Small configs keep the cpu backend (slow convolution gradients) and CI fast.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../native/tf/backends.js';
import { batchNormTrain, batchNormTrainComposite } from '../../native/tf/ops/batchNorm.js';
import { initializers, input, layers, model as functionalModel, type LayersModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { buildModel, predict, type ModelConfig } from '../../electron/engine/model/index.js';
import { BatchNormRelu, VoxConv2D } from '../../electron/engine/model/layers.js';
import { createTrainer } from '../../electron/engine/training/trainer.js';
import { excess, onBackend, pattern, relErr } from './helpers.js';

const small: Partial<ModelConfig> = { chunks: 3, melBands: 16, frames: 12, filters: [4, 6], pools: [2, 3], lstmUnits: 8, classes: 3, convDropout: 0, lstmDropout: 0, seed: 11 };

beforeAll(async () => {
  await selectBackend({ backend: 'cpu' });
  await selectBackend({ backend: 'wasm' });
});

function data(n: number, cfg: Partial<ModelConfig>, seed: number): { xs: tf.Tensor; ys: tf.Tensor } {
  // Class k: a horizontal band of energy at mel rows [4k, 4k+4) on top of noise — separable, but only through the convs.
  const [T, H, W, K] = [cfg.chunks!, cfg.melBands!, cfg.frames!, cfg.classes!];
  const x = new Float32Array(n * T * H * W);
  const labels: number[] = [];
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) - 0.5;
  for (let i = 0; i < n; i++) {
    const k = i % K;
    labels.push(k);
    for (let t = 0; t < T; t++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) x[((i * T + t) * H + h) * W + w] = rnd() + (h >= 4 * k && h < 4 * k + 4 ? 1.5 : 0);
  }
  return { xs: tf.tensor(x, [n, T, H, W, 1]), ys: tf.oneHot(tf.tensor1d(labels, 'int32'), K) };
}

describe('fused BatchNorm+ReLU kernel', () => {
  for (const relu of [true, false]) {
    it(`matches the composed-ops version on wasm (relu ${relu}), values and gradients`, async () => {
      const run = (fused: boolean) => () => {
        const x = tf.add(tf.mul(pattern([3, 5, 7, 6], 0.29), 2), 3);
        const gamma = pattern([6], 0.7, 1);
        const beta = pattern([6], 0.5, 2);
        const w = pattern([3, 5, 7, 6], 0.041, 3);
        const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
          const r = (fused ? batchNormTrain : batchNormTrainComposite)(a, g as tf.Tensor1D, b as tf.Tensor1D, { epsilon: 1e-5, relu });
          return tf.sum(tf.mul(r.y, w));
        };
        const r = (fused ? batchNormTrain : batchNormTrainComposite)(x, gamma as tf.Tensor1D, beta as tf.Tensor1D, { epsilon: 1e-5, relu });
        return [r.y, r.mean, r.variance, ...tf.grads(f)([x, gamma, beta])];
      };
      const a = await onBackend('wasm', run(true));
      const b = await onBackend('wasm', run(false));
      a.forEach((v, i) => expect(relErr(v, b[i]), `output ${i}`).toBeLessThan(1e-4));
    });
  }
});

describe('MaxPoolGrad kernel', () => {
  for (const [shape, size, stride, pad] of [
    [[2, 8, 8, 3], 2, 2, 'valid'],
    [[1, 9, 7, 2], 3, 2, 'same'],
    [[1, 12, 13, 5], 4, 4, 'valid'],
    [[2, 7, 7, 1], 3, 1, 'same'],
  ] as const) {
    it(`matches cpu for ${shape.join('×')}, pool ${size} stride ${stride} ${pad}`, async () => {
      const f = () => {
        const x = pattern([...shape], 0.173);
        const dy = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, size, stride, pad), 2)))(x);
        return [dy];
      };
      const [w] = await onBackend('wasm', f);
      const [c] = await onBackend('cpu', f);
      expect(relErr(w, c)).toBeLessThan(1e-4);
    });
  }
});

describe('training step', () => {
  it('computes the same loss and gradients on wasm and cpu (micro-batches of 3 in a batch of 5)', async () => {
    const grads = () => {
      const m = buildModel(small);
      const { xs, ys } = data(5, small, 3);
      const tr = createTrainer(m);
      const { loss, grads } = tr.gradients(xs, ys, { microBatch: 3 });
      const out = [tf.scalar(loss), ...m.trainableWeights.map((w) => grads[(w.read() as tf.Variable).name])];
      m.dispose();
      return out;
    };
    const w = await onBackend('wasm', grads);
    const c = await onBackend('cpu', grads);
    expect(w.length).toBe(c.length);
    // Conv biases feeding a BatchNorm have a true gradient of 0 (BN removes the mean), which build.ts's convs now
    // return exactly; the absolute tolerance next to the relative one is for other values near 0.
    w.forEach((g, i) => expect(excess(g, c[i], 2e-3), `tensor ${i}`).toBeLessThan(1e-5));
  });

  it('reaches the same losses on wasm and cpu over 15 SGD steps with the same seed and data', async () => {
    const losses = () => {
      const m = buildModel(small);
      const { xs, ys } = data(12, small, 5);
      const tr = createTrainer(m, { learningRate: 0.05 });
      const l: number[] = [];
      for (let i = 0; i < 15; i++) l.push(tr.step(xs, ys, { microBatch: 6 }).loss);
      m.dispose();
      return [tf.tensor1d(l)];
    };
    const [w] = await onBackend('wasm', losses);
    const [c] = await onBackend('cpu', losses);
    expect(w[14]).toBeLessThan(w[0]);
    expect(relErr(w, c)).toBeLessThan(1e-2);
  });

  it('learns a separable generated set on wasm: loss falls, test accuracy far above chance', async () => {
    await tf.setBackend('wasm');
    const cfg = { ...small, convDropout: 0.1, lstmDropout: 0.1 };
    const m = buildModel(cfg);
    const train = data(48, cfg, 7);
    const test = data(30, cfg, 99);
    const tr = createTrainer(m, { optimizer: 'adam', learningRate: 0.01, weightDecay: 1e-4 });
    const losses: number[] = [];
    for (let step = 0; step < 200; step++) {
      const i = (step * 16) % 48;
      const xb = tf.slice(train.xs, i, 16);
      const yb = tf.slice(train.ys, i, 16);
      losses.push(tr.step(xb, yb, { microBatch: 8 }).loss);
      tf.dispose([xb, yb]);
    }
    const p = predict(m, test.xs);
    const acc = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(p, 1), tf.argMax(test.ys, 1)), 'float32')).dataSync()[0]);
    const first = losses.slice(0, 10).reduce((a, b) => a + b) / 10;
    const last = losses.slice(-10).reduce((a, b) => a + b) / 10;
    expect(last).toBeLessThan(first * 0.5);
    expect(acc).toBeGreaterThan(0.8); // chance is 1/3
  });
});

describe('conv bias before BatchNorm (VoxConv2D biasBeforeBatchNorm)', () => {
  // Conv (non-zero bias) → BatchNorm+ReLU+pool → dense softmax, built twice from the same seeds, the flag on or off.
  const tiny = (flag: boolean): LayersModel => {
    const x = input({ shape: [8, 6, 2] });
    const conv = new VoxConv2D({ filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: initializers.glorotUniform({ seed: 3 }), biasInitializer: initializers.randomNormal({ seed: 4 }), biasBeforeBatchNorm: flag, name: 'conv' });
    let h = conv.apply(x) as SymbolicTensor;
    h = new BatchNormRelu({ momentum: 0.9, epsilon: 1e-5, pool: 2, name: 'bn' }).apply(h) as SymbolicTensor;
    h = layers.flatten().apply(h) as SymbolicTensor;
    const y = layers.dense({ units: 3, activation: 'softmax', kernelInitializer: initializers.glorotUniform({ seed: 5 }), name: 'out' }).apply(h) as SymbolicTensor;
    return functionalModel({ inputs: x, outputs: y });
  };
  const run = (flag: boolean) => () => {
    const m = tiny(flag);
    const xs = tf.add(pattern([6, 8, 6, 2], 0.37), 3);
    const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
    const inference = predict(m, xs);
    const training = m.apply(xs, { training: true }) as tf.Tensor;
    const { grads } = createTrainer(m).gradients(xs, ys);
    const out = [inference, training, ...m.trainableWeights.map((w) => grads[(w.read() as tf.Variable).name]!)];
    m.dispose();
    return out;
  };
  const biasIndex = 2 + 1; // trainable weights: conv kernel, conv bias, gamma, beta, dense kernel, dense bias

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`on ${backend}: the same outputs and other gradients, the bias gradient exactly 0 (rounding noise without the flag)`, async () => {
      const on = await onBackend(backend, run(true));
      const off = await onBackend(backend, run(false));
      expect(on.length).toBe(2 + 6);
      on.forEach((t, i) => {
        if (i !== biasIndex) expect(t, `tensor ${i}`).toEqual(off[i]);
      });
      expect(Array.from(on[biasIndex]!)).toEqual([0, 0, 0, 0]);
      const otherMax = Math.max(...off.slice(2).filter((_, i) => i + 2 !== biasIndex).map((g) => Math.max(...g.map(Math.abs))));
      const noise = Math.max(...off[biasIndex]!.map(Math.abs));
      expect(otherMax).toBeGreaterThan(1e-3);
      expect(noise).toBeLessThan(1e-4 * otherMax);
    });
  }

  it("build.ts sets it on every conv of the paper's model, whose conv biases then get exactly 0", async () => {
    const [w] = await onBackend('wasm', () => {
      const m = buildModel(small);
      const convs = m.layers.filter((l) => l instanceof VoxConv2D) as VoxConv2D[];
      const { xs, ys } = data(4, small, 3);
      const { grads } = createTrainer(m).gradients(xs, ys);
      // conv1 is the fused first block (its bias is weight 1 too), the later convs VoxConv2D
      const withBias = [m.getLayer('conv1'), ...convs];
      const biases = withBias.map((c) => grads[(c.weights[1]!.read() as tf.Variable).name]!);
      expect(biases.every((b) => b !== undefined)).toBe(true);
      expect(convs.map((c) => c.biasBeforeBatchNorm)).toEqual([true]);
      const out = [tf.concat(biases)];
      m.dispose();
      return out;
    });
    expect(w!.every((v) => v === 0)).toBe(true);
  });
});
