/**
 * Times the wasm convolution kernels on the paper's four conv layers (issue 10 item 3), variants of SER_CONV_KERNEL
 * against each other (default: direct against auto), interleaved in one process (A, B, A, … : the ratio holds on a
 * shared machine where absolute times do not): `npx tsx bench/convKernels.ts [--variants direct,auto] [--samples 4]
 * [--repeat 15] [--layers 1,2,3,4] [--tb 8] [--ftb 16] [--tb4 12] [--ftb4 32]` (variants: direct, winograd2,
 * winograd4, auto, each optionally with block sizes, e.g. auto@tb4=8+ftb4=16). Per layer and kernel (FusedConv2D forward, Conv2DBackpropInput, Conv2DBackpropFilter) on
 * samples×7 images: median CPU time of each variant, GFLOP per CPU-second (2·MACs of the direct convolution /
 * process CPU time: close to the per-core rate even when another job shares the machine), the ratio first variant /
 * each other one, and the largest difference from the first relative to the largest output.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../native/tf/backends.js';
import { winogradTuning } from '../native/tf/wasm/conv2dDirect.js';
import { median } from '../electron/engine/training/trainBenchmark.js';
import { arg } from './stats.js';


await selectBackend({ backend: 'wasm' });
const samples = Number(arg('samples', '4'));
const repeat = Number(arg('repeat', '15'));
const layers = arg('layers', '1,2,3,4').split(',').map(Number);
winogradTuning.tilesPerBlock = Number(arg('tb', String(winogradTuning.tilesPerBlock)));
winogradTuning.filterTilesPerBlock = Number(arg('ftb', String(winogradTuning.filterTilesPerBlock)));
winogradTuning.tilesPerBlock4 = Number(arg('tb4', String(winogradTuning.tilesPerBlock4)));
winogradTuning.filterTilesPerBlock4 = Number(arg('ftb4', String(winogradTuning.filterTilesPerBlock4)));
const N = samples * 7;
const shapes = [
  [128, 1, 16],
  [64, 16, 32],
  [16, 32, 64],
  [4, 64, 128],
] as const;
const variants = arg('variants', 'direct,auto').split(',');

function run(name: string, inputs: tf.NamedTensorInfoMap, attrs: object): tf.TensorInfo {
  const k = tf.getKernel(name, 'wasm')!;
  return k.kernelFunc({ inputs, backend: tf.engine().backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
}

const tuning = { ...winogradTuning };
function timed(variant: string, f: () => tf.TensorInfo): { cpu: number; data: Float32Array } {
  const [kernel, blocks] = variant.split('@');
  if (kernel === 'auto') delete process.env.SER_CONV_KERNEL;
  else process.env.SER_CONV_KERNEL = kernel;
  const t = winogradTuning as Record<string, number>;
  Object.assign(winogradTuning, tuning);
  for (const kv of blocks ? blocks.split('+') : []) {
    const [k, v] = kv.split('=');
    const key = { tb: 'tilesPerBlock', ftb: 'filterTilesPerBlock', tb4: 'tilesPerBlock4', ftb4: 'filterTilesPerBlock4' }[k];
    if (!key) throw new Error(`unknown block size ${k} (tb, ftb, tb4, ftb4)`);
    t[key] = Number(v);
  }
  const c0 = process.cpuUsage();
  const out = f();
  const c = process.cpuUsage(c0);
  const b = tf.engine().backend as unknown as { typedArrayFromHeap(t: tf.TensorInfo): Float32Array; disposeData(id: object): void };
  const data = b.typedArrayFromHeap(out).slice();
  b.disposeData(out.dataId);
  return { cpu: (c.user + c.system) / 1000, data };
}

function relDiff(a: Float32Array, b: Float32Array): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

for (const l of layers) {
  const [S, Ci, Co] = shapes[l - 1];
  const x = tf.randomNormal([N, S, S, Ci], 0, 1, 'float32', 1);
  const filter = tf.randomNormal([3, 3, Ci, Co], 0, 0.1, 'float32', 2);
  const bias = tf.randomNormal([Co], 0, 0.1, 'float32', 3);
  const dy = tf.randomNormal([N, S, S, Co], 0, 1, 'float32', 4);
  const flops = 2 * N * S * S * 9 * Ci * Co;
  const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1, activation: 'linear' };
  const kernels: [string, () => tf.TensorInfo][] = [['FusedConv2D', () => run('FusedConv2D', { x, filter, bias }, attrs)]];
  if (l > 1) kernels.push(['Conv2DBackpropInput', () => run('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: x.shape })]);
  kernels.push(['Conv2DBackpropFilter', () => run('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: filter.shape })]);
  for (const [name, f] of kernels) {
    const cpu: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
    const out: Record<string, Float32Array> = {};
    for (let r = -1; r < repeat; r++) {
      // alternate the order so neither variant always runs right after the other
      for (const v of r % 2 ? variants : [...variants].reverse()) {
        const t = timed(v, f);
        if (r >= 0) cpu[v].push(t.cpu);
        out[v] = t.data;
      }
    }
    const med = variants.map((v) => median(cpu[v]));
    const gf = (ms: number) => (flops / ms / 1e6).toFixed(1).padStart(5);
    const parts = variants.map((v, i) => `${v} ${med[i].toFixed(1).padStart(7)} ms ${gf(med[i])} GFLOP/s` + (i ? ` ratio ${(med[0] / med[i]).toFixed(2)} rel diff ${relDiff(out[v], out[variants[0]]).toExponential(1)}` : ''));
    process.stdout.write(`conv${l} ${name.padEnd(21)} ${parts.join(' | ')}\n`);
  }
  tf.dispose([x, filter, bias, dy]);
}
delete process.env.SER_CONV_KERNEL;
