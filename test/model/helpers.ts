import * as tf from '@tensorflow/tfjs-core';

/** Runs f on backend `name` and returns its tensors' data (all tensors created inside are disposed). */
export async function onBackend(name: 'wasm' | 'cpu', f: () => tf.Tensor[]): Promise<Float32Array[]> {
  const prev = tf.getBackend();
  await tf.setBackend(name);
  try {
    const outs = tf.tidy(f);
    const data = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose(outs);
    return data;
  } finally {
    await tf.setBackend(prev);
  }
}

/** Max |a−b| divided by max |b| (0/0 → 0). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? err : err / scale;
}

/** A deterministic, non-trivial tensor (same on every backend). */
export function pattern(shape: number[], freq: number, offset = 0): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, (_, i) => Math.sin(i * freq + offset) + 0.1 * Math.cos(i * 0.013)), shape);
}

/** Max |a−b| − rtol·max|b|, which must be ≤ atol: relative where values are large, absolute where they are ~0. */
export function excess(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number): number {
  if (a.length !== b.length) return Infinity;
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err - rtol * scale;
}
