/**
 * Label smoothing (Szegedy et al. 2016) of a batch's targets, in place: each row y ← (1 − ε)·y + ε/K over K classes.
 * The model is never pushed to full certainty on a training clip, which keeps it from memorising the few speakers it
 * trains on. Rows that sum to 1 (one-hot or mixed by mixup) still sum to 1.
 */
export function smoothLabels(ys: Float32Array, classes: number, eps: number, stride = classes): void {
  if (!(eps > 0)) return;
  if (!(stride >= classes) || !Number.isInteger(ys.length / stride)) throw new RangeError(`smoothLabels: ${ys.length} targets are not rows of ${stride === classes ? '' : `${stride} values, `}${classes} classes`);
  const keep = 1 - eps;
  const spread = eps / classes;
  // Rows of `stride` values whose first `classes` are the emotion's (the rest, another head's targets, stay as they are).
  for (let r = 0; r < ys.length; r += stride) for (let i = r; i < r + classes; i++) ys[i] = keep * ys[i]! + spread;
}
