/**
 * Mixup (Zhang et al. 2018) of a training batch, in place: each clip b is mixed with clip π(b) of the same batch
 * (π a random permutation) as λ_b·x_b + (1 − λ_b)·x_π(b), and so are their one-hot labels, with λ_b ~ Beta(α, α)
 * folded to ≥ ½ so each mixed clip keeps its own label as the larger part (training accuracy stays meaningful).
 * It smooths the decision boundaries between classes — a common help on small speech corpora and new speakers.
 */
import type { Rng } from '../audio/rng.js';

export function mixupBatch(xs: Float32Array, ys: Float32Array, n: number, alpha: number, rng: Rng): void {
  if (n < 2 || !(alpha > 0)) return;
  const xn = xs.length / n;
  const yn = ys.length / n;
  if (!Number.isInteger(xn) || !Number.isInteger(yn)) throw new RangeError(`mixupBatch: ${n} samples do not divide the batch`);
  const perm = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const x0 = xs.slice(0, n * xn); // the unmixed batch: partners are read from it
  const y0 = ys.slice(0, n * yn);
  for (let b = 0; b < n; b++) {
    const l = rng.beta(alpha, alpha);
    const lam = Math.max(l, 1 - l);
    const p = perm[b]!;
    for (let i = 0; i < xn; i++) xs[b * xn + i] = lam * x0[b * xn + i]! + (1 - lam) * x0[p * xn + i]!;
    for (let i = 0; i < yn; i++) ys[b * yn + i] = lam * y0[b * yn + i]! + (1 - lam) * y0[p * yn + i]!;
  }
}
