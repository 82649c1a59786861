/**
 * Which layers fine-tuning leaves as they are. The model's layer names come from model/build.ts:
 * `conv<n>` and `bn_relu<n>` are the CNN blocks (`drop<n>`, `fold_time`, `unfold_time` hold no weights);
 * `lstm` / `bilstm` and `emotion` (the dense softmax) are the head that a tune run trains by default.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';

export type FreezeMode = 'cnn' | 'none';
export const FREEZE_MODES: readonly FreezeMode[] = ['cnn', 'none'];

/** The CNN's layers: named explicitly, so a renamed layer fails loudly (see applyFreeze) instead of training. */
const CNN_LAYER = /^(conv|bn_relu)\d+$/;

export function isFreezeMode(v: string): v is FreezeMode {
  return (FREEZE_MODES as readonly string[]).includes(v);
}

/**
 * Sets every layer's `trainable` for `mode` (a tuned model may be tuned again with another mode) and returns the
 * names of the frozen layers that hold weights. Throws when `cnn` finds no CNN layer: the model is not this app's.
 */
export function applyFreeze(model: LayersModel, mode: FreezeMode): string[] {
  const frozen: string[] = [];
  for (const layer of model.layers) {
    const freeze = mode === 'cnn' && CNN_LAYER.test(layer.name);
    layer.trainable = !freeze;
    if (freeze && layer.weights.length) frozen.push(layer.name);
  }
  if (mode === 'cnn' && frozen.length === 0) throw new Error(`--freeze cnn: the model has no conv<n>/bn_relu<n> layers (layers: ${model.layers.map((l) => l.name).join(', ')})`);
  return frozen;
}
