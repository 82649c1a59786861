/**
 * The trainer's fail-fast checks: a NaN in the scaler statistics, the weights or the loss never recovers — every
 * later step is NaN too, and the run would "complete" at chance. Failing at once names what went wrong instead.
 * The weights need their own check: the training loss clips probabilities to [1e-7, 1], and on the wasm backend
 * that turns NaN outputs into a finite loss (≈ 16), so a diverged model can report a plausible training loss.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { StandardScaler } from '../audio/scaler.js';
import { SerError } from '../../shared/errors.js';

function nonFinite(a: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) n++;
  return n;
}

/**
 * Throws when the fitted statistics hold NaN/±Inf, naming the first training clip whose features do (if one does).
 * `features[i]` belongs to `paths[i]`.
 */
export function checkScaler(scaler: StandardScaler, features: readonly Float32Array[], paths: readonly string[]): void {
  const bad = nonFinite(scaler.mean) + nonFinite(scaler.scale);
  if (bad === 0) return;
  const culprit = features.findIndex((f) => nonFinite(f) > 0);
  const why = culprit >= 0 ? `the features of ${paths[culprit]} hold NaN or ±Inf values` : 'the training features overflow';
  throw new SerError(
    'corrupt',
    `non-finite scaler statistics (${bad} of ${2 * scaler.nFeatures} means and scales) after fitting on ${features.length} training clips: ${why}; run \`ser dataset scan\` to see which files are refused`,
  );
}

/** Throws when a loss is NaN/±Inf: the model diverged (or its input is not finite). */
export function checkLoss(kind: 'training' | 'validation' | 'test', loss: number, where: string, learningRate: number): void {
  if (Number.isFinite(loss)) return;
  throw new SerError(
    'bad-input',
    `non-finite ${kind} loss (${loss}) at ${where}: the model diverged at learning rate ${learningRate}; lower the learning rate (--lr) or check the data`,
  );
}

/** Throws when any weight (trainable or a BatchNorm moving statistic) is NaN/±Inf, naming the first such variable. */
export function checkWeights(model: LayersModel, where: string, learningRate: number): void {
  for (const w of model.weights) {
    const values = w.read().dataSync();
    const bad = nonFinite(values);
    if (bad === 0) continue;
    throw new SerError(
      'bad-input',
      `non-finite model weights after ${where} (${bad} of ${values.length} values of ${w.name}): the model diverged at learning rate ${learningRate}; lower the learning rate (--lr) or check the data`,
    );
  }
}
