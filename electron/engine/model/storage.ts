/**
 * Saving and loading a model as a folder holding `model.json` + `weights.bin`, through our own tfjs IOHandler
 * written with node:fs: the `file://` handler exists only in tfjs-node, and the app must work on every backend.
 * The layout is tfjs' own (a layers-model JSON with one weights group), so tfjs tooling can read it too.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { SerError } from '../../shared/errors.js';
import { withoutOrthogonalWarning } from './build.js';
import './layers.js'; // registers the custom layer classes the JSON refers to
import './ensembleLayers.js'; // and an ensemble's
import './speakerAdversary.js'; // and a speaker-adversarial training network's (checkpoints)

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

/** An IOHandler reading/writing `dir/model.json` and `dir/weights.bin`. */
export function folderIO(dir: string, metadata?: Record<string, unknown>): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new SerError('unsupported', 'binary model topologies cannot be saved to a folder');
      const weights = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const json = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
        userDefinedMetadata: { ...(artifacts.userDefinedMetadata ?? {}), ...(metadata ?? {}) },
      };
      try {
        await mkdir(dir, { recursive: true });
        // Write beside and rename, so a crash never leaves a half-written model behind.
        await writeFile(join(dir, WEIGHTS_BIN + '.tmp'), new Uint8Array(weights));
        await writeFile(join(dir, MODEL_JSON + '.tmp'), JSON.stringify(json));
        await rename(join(dir, WEIGHTS_BIN + '.tmp'), join(dir, WEIGHTS_BIN));
        await rename(join(dir, MODEL_JSON + '.tmp'), join(dir, MODEL_JSON));
      } catch (err) {
        throw new SerError('io', `cannot save the model to ${dir}: ${(err as Error).message}`);
      }
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      let json: {
        modelTopology: object;
        weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
        format?: string;
        generatedBy?: string;
        convertedBy?: string | null;
        userDefinedMetadata?: Record<string, unknown>;
      };
      try {
        json = JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8'));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not-found' : 'corrupt';
        throw new SerError(code, `cannot read ${join(dir, MODEL_JSON)}: ${(err as Error).message}; point at a folder saved by Vox Affect`);
      }
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      for (const group of json.weightsManifest ?? []) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          try {
            buffers.push(await readFile(join(dir, p)));
          } catch (err) {
            throw new SerError('not-found', `cannot read the weights ${join(dir, p)}: ${(err as Error).message}`);
          }
        }
      }
      const total = buffers.reduce((n, b) => n + b.byteLength, 0);
      const weightData = new Uint8Array(total);
      let off = 0;
      for (const b of buffers) {
        weightData.set(b, off);
        off += b.byteLength;
      }
      const artifacts: tf.io.ModelArtifacts = {
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData: weightData.buffer,
        format: json.format,
        generatedBy: json.generatedBy,
        userDefinedMetadata: json.userDefinedMetadata as Record<string, {}> | undefined,
      };
      if (json.convertedBy) artifacts.convertedBy = json.convertedBy;
      return artifacts;
    },
  };
}

/** Saves `model` into folder `dir` (created if needed); `metadata` (plain JSON) is stored in model.json. */
export async function saveModel(model: LayersModel, dir: string, metadata?: Record<string, unknown>): Promise<void> {
  await model.save(folderIO(dir, metadata));
}

/** Loads a model saved by saveModel, with its metadata. */
export async function loadModel(dir: string): Promise<{ model: LayersModel; metadata: Record<string, unknown> }> {
  const io = folderIO(dir);
  const artifacts = await io.load!();
  const model = await withoutOrthogonalWarning(() => loadLayersModel(tf.io.fromMemory(artifacts)));
  return { model, metadata: (artifacts.userDefinedMetadata as Record<string, unknown> | undefined) ?? {} };
}
