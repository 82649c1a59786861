/**
 * Label smoothing (Szegedy et al. 2016) of a batch's targets, in place: each row y ← (1 − ε)·y + ε/K over K classes.
 * The model is never pushed to full certainty on a training clip, which keeps it from memorising the few speakers it
 * trains on. Rows that sum to 1 (one-hot or mixed by mixup) still sum to 1.
 */
export function smoothLabels(ys: Float32Array, classes: number, eps: number): void {
  if (!(eps > 0)) return;
  if (!Number.isInteger(ys.length / classes)) throw new RangeError(`smoothLabels: ${ys.length} targets are not rows of ${classes} classes`);
  const keep = 1 - eps;
  const spread = eps / classes;
  for (let i = 0; i < ys.length; i++) ys[i] = keep * ys[i]! + spread;
}
