/**
 * Which layers fine-tuning leaves as they are. The model's layer names come from model/build.ts:
 * `conv<n>` and `bn_relu<n>` are the CNN blocks — `conv1` alone holds the whole first block (conv + BatchNorm) in
 * models built since the fused first block, older models have `bn_relu1` too (`drop<n>`, `fold_time`, `unfold_time` hold no weights);
 * `lstm` / `bilstm` and `emotion` (the dense softmax) are the head that a tune run trains by default. An ensemble
 * (model/ensembleModel.ts) holds each member's layers under a prefix, `m1_conv1`, `m2_lstm`…: the same rules apply
 * to every member (its `m<i>_rescale` maps and the combining layer hold no trainable weights).
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';

/** `cnn`: the CNN is frozen (LSTM and output train); `lstm`: the CNN and the LSTM are (only the output trains); `none`. */
export type FreezeMode = 'cnn' | 'lstm' | 'none';
export const FREEZE_MODES: readonly FreezeMode[] = ['cnn', 'lstm', 'none'];

/** The CNN's layers: named explicitly, so a renamed layer fails loudly (see applyFreeze) instead of training. */
const CNN_LAYER = /^(m\d+_)?(conv|bn_relu)\d+$/;
const LSTM_LAYER = /^(m\d+_)?(bi)?lstm$/;

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
    const freeze = (mode !== 'none' && CNN_LAYER.test(layer.name)) || (mode === 'lstm' && LSTM_LAYER.test(layer.name));
    layer.trainable = !freeze;
    if (freeze && layer.weights.length) frozen.push(layer.name);
  }
  if (mode !== 'none' && !frozen.some((n) => CNN_LAYER.test(n))) throw new Error(`--freeze ${mode}: the model has no conv<n>/bn_relu<n> layers (nor m<i>_conv<n>… in an ensemble; layers: ${model.layers.map((l) => l.name).join(', ')})`);
  if (mode === 'lstm' && !frozen.some((n) => LSTM_LAYER.test(n))) throw new Error(`--freeze lstm: the model has no lstm/bilstm layer (nor m<i>_lstm in an ensemble; layers: ${model.layers.map((l) => l.name).join(', ')})`);
  return frozen;
}
