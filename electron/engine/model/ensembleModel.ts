/**
 * Several trained models as one LayersModel, so that everything that takes a model takes an ensemble:
 *
 *   features → for member i: [FeatureAffine mᵢ_rescale] → member i's whole network, layers named mᵢ_…
 *            → LogProbMean: softmax(mean of log pᵢ)
 *
 * Each member's network is rebuilt from its ModelConfig with buildTower (prefix `m<i>_`, so weight names stay
 * unique) and gets the member's weights, layer by layer in order. The first block's weights are the same list
 * whether a model has the fused `conv1` or the older `conv1` + `bn_relu1`, so older models rebuild too.
 */
import * as tf from '@tensorflow/tfjs-core';
import { input, model as functionalModel, type LayersModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { SerError } from '../../shared/errors.js';
import { buildTower, withoutOrthogonalWarning } from './build.js';
import type { ModelConfig } from './config.js';
import { FeatureAffine, LogProbMean } from './ensembleLayers.js';

export interface EnsembleMemberModel {
  /** The trained member; only read (its weights are copied). */
  model: LayersModel;
  /** What it was built from (an export's metadata `modelConfig`). Input shape and classes must agree across members. */
  config: ModelConfig;
  /** Per-feature y = x·scale + offset from the ensemble's input to this member's, each of chunks·melBands·frames values; none = identity. */
  affine?: { scale: Float32Array; offset: Float32Array };
  /** Names the member in errors (its folder). */
  label: string;
}

/** The layer names of member i (1-based): `m<i>_conv1`, `m<i>_lstm`, `m<i>_emotion`… */
export const memberPrefix = (i: number): string => `m${i}_`;

/**
 * Builds the ensemble and copies every member's weights into it, then checks that each rebuilt member gives its
 * original's probabilities (see checkMembers). Throws SerError when a member's weights do not fit its config or
 * its rebuilt network answers differently.
 */
export function buildEnsembleModel(members: EnsembleMemberModel[]): LayersModel {
  if (members.length < 2) throw new SerError('bad-input', `an ensemble needs at least 2 models, got ${members.length}`);
  const { chunks, melBands, frames, classes } = members[0]!.config;
  for (const m of members) {
    const c = m.config;
    if (c.chunks !== chunks || c.melBands !== melBands || c.frames !== frames || c.classes !== classes) {
      throw new SerError('unsupported', `${m.label}: its input [${c.chunks}, ${c.melBands}, ${c.frames}] and ${c.classes} classes differ from ${members[0]!.label}'s [${chunks}, ${melBands}, ${frames}] and ${classes}`);
    }
  }
  return withoutOrthogonalWarning(() => {
    const x = input({ shape: [chunks, melBands, frames, 1], name: 'features' });
    const outputs: SymbolicTensor[] = [];
    const towers = members.map((m, k) => {
      const prefix = memberPrefix(k + 1);
      let xi = x;
      let affine: FeatureAffine | undefined;
      if (m.affine) {
        affine = new FeatureAffine({ name: `${prefix}rescale` });
        xi = affine.apply(x) as SymbolicTensor;
      }
      const tower = buildTower(xi, m.config, prefix);
      outputs.push(tower.output);
      return { tower, affine };
    });
    const y = new LogProbMean({ name: 'ensemble' }).apply(outputs) as SymbolicTensor;
    const ensemble = functionalModel({ inputs: x, outputs: y, name: 'vox_ensemble' });
    try {
      members.forEach((m, k) => {
        const { tower, affine } = towers[k]!;
        if (affine && m.affine) {
          const shape = [chunks, melBands, frames, 1];
          const { scale, offset } = m.affine;
          tf.tidy(() => affine.setWeights([tf.tensor(scale, shape), tf.tensor(offset, shape)]));
        }
        copyWeights(m, tower.layers);
      });
      checkMembers(ensemble, members);
    } catch (err) {
      ensemble.dispose();
      throw err;
    }
    return ensemble;
  });
}

/** The member's weights, layer after layer, into the rebuilt layers (same list of shapes, else a SerError). */
function copyWeights(m: EnsembleMemberModel, into: ReturnType<typeof buildTower>['layers']): void {
  const source = m.model.layers.flatMap((l) => l.getWeights());
  const shapes = (ts: { shape: readonly (number | null)[] }[]) => ts.map((t) => `[${t.shape.join(',')}]`).join(' ');
  const target = into.flatMap((l) => l.weights);
  if (source.length !== target.length || source.some((t, i) => !tf.util.arraysEqual(t.shape, target[i]!.shape as number[]))) {
    throw new SerError('unsupported', `${m.label}: its weights (${shapes(source)}) do not fit the network its modelConfig describes (${shapes(target)})`);
  }
  let k = 0;
  for (const layer of into) {
    const n = layer.weights.length;
    if (n) layer.setWeights(source.slice(k, k + n));
    k += n;
  }
}

/** Largest |difference| allowed between a rebuilt member's probabilities and its original's on the probe input. */
const REBUILD_TOLERANCE = 1e-4;

/**
 * Runs each member and its rebuilt copy inside the ensemble on one deterministic input (in the ensemble's scaled
 * space; the member gets it through its affine map, computed with the same float32 ops): a config that does not
 * describe the saved network (another pool size, say, which no weight shape shows) fails here, not in use.
 */
function checkMembers(ensemble: LayersModel, members: EnsembleMemberModel[]): void {
  const shape = ensemble.inputs[0]!.shape.slice(1) as number[];
  const size = shape.reduce((a, b) => a * b, 1);
  const probe = functionalModel({ inputs: ensemble.inputs, outputs: members.map((_, k) => ensemble.getLayer(`${memberPrefix(k + 1)}emotion`).output as SymbolicTensor) });
  const diffs = tf.tidy(() => {
    const x = tf.tensor(Float32Array.from({ length: size }, (_, i) => 1.5 * Math.sin(i * 0.37) + 0.5 * Math.cos(i * 0.011)), [1, ...shape]);
    const rebuilt = probe.predict(x) as tf.Tensor[];
    return members.map((m, k) => {
      const xi = m.affine ? tf.add(tf.mul(x, tf.tensor(m.affine.scale, shape)), tf.tensor(m.affine.offset, shape)) : x;
      const own = m.model.predict(xi) as tf.Tensor;
      return tf.max(tf.abs(tf.sub(own, rebuilt[k]!))).dataSync()[0]!;
    });
  });
  diffs.forEach((d, k) => {
    if (!(d <= REBUILD_TOLERANCE)) throw new SerError('unsupported', `${members[k]!.label}: rebuilt from its modelConfig it answers differently (probabilities differ by up to ${d.toPrecision(3)}); its metadata.json does not describe its network`);
  });
}
