/**
 * The built-in model: a model trained by this app on RAVDESS and shipped with it under
 * `resources/models/ravdess-cnn-lstm/` (same folder format as a run's export, plus a `card` in metadata.json), so
 * `ser classify`, `ser live` and the Live view work right after install. This file only locates it and reads its
 * card; it loads no TensorFlow, so listing models stays cheap.
 *
 * Where it is looked for:
 * - `SER_BUILTIN_MODEL=<dir>` when set (tests, or trying another model as the built-in one);
 * - the packaged app: `<process.resourcesPath>/models/ravdess-cnn-lstm` (electron-builder's extraResources put it
 *   beside app.asar, as code inside the asar cannot be a folder tfjs reads weights from cheaply);
 * - a checkout or an npm install: `<app root>/resources/models/ravdess-cnn-lstm`, found from this module's own
 *   location (never the working directory).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { SerError } from '../../shared/errors.js';
import { appRoot } from '../version.js';

export const BUILTIN_MODEL_NAME = 'ravdess-cnn-lstm';
/** What `--model` (and the API's `builtIn`) take to choose it explicitly. */
export const BUILTIN_REF = 'built-in';
/** How model pickers show it. */
export const BUILTIN_MODEL_LABEL = 'Built-in — RAVDESS CNN-LSTM';

/** What the shipped model's metadata.json says about itself. Accuracies and UARs are fractions (0..1). */
export interface ModelCard {
  title: string;
  /** E.g. "RAVDESS actors 01–20 (acted English speech)". */
  trainedOn: string;
  /** Measured on speakers absent from training (e.g. k-fold by speaker); null when not measured. */
  newSpeakers: { accuracy: number; uar: number; protocol: string } | null;
  /** The paper's protocol (random split, speakers shared with training): not comparable to newSpeakers. */
  randomSplit: { accuracy: number; uar: number } | null;
  licence: string;
}

export interface BuiltInLookup {
  env?: NodeJS.ProcessEnv;
  /** The app's root folder (default: the one holding this app's package.json). */
  appRoot?: string;
  /** Electron's process.resourcesPath (default: read from process when packaged). */
  resourcesPath?: string;
}

/** Where the built-in model should be, whether or not it is there. */
export function builtInModelPath(opts: BuiltInLookup = {}): string {
  const fromEnv = (opts.env ?? process.env).SER_BUILTIN_MODEL?.trim();
  if (fromEnv) return resolve(fromEnv);
  const root = opts.appRoot ?? appRoot;
  // Packaged by electron-builder the app root is <resources>/app.asar (or <resources>/app without asar): also true
  // for the installed `ser` launcher, which runs the app binary as Node on the bundled bin/ser.js.
  if (/^app(\.asar)?$/.test(basename(root))) {
    const resources = opts.resourcesPath ?? (process as { resourcesPath?: string }).resourcesPath ?? dirname(root);
    return join(resources, 'models', BUILTIN_MODEL_NAME);
  }
  return join(root, 'resources', 'models', BUILTIN_MODEL_NAME);
}

/** The built-in model's folder, or undefined when it is not installed (no model.json there). */
export function findBuiltInModel(opts: BuiltInLookup = {}): string | undefined {
  const dir = builtInModelPath(opts);
  return existsSync(join(dir, 'model.json')) ? dir : undefined;
}

/** One line: why there is no model to classify with. */
export function builtInMissingMessage(opts: BuiltInLookup = {}): string {
  const viaEnv = !!(opts.env ?? process.env).SER_BUILTIN_MODEL?.trim();
  return `no model: train one or reinstall; the built-in model is missing from ${builtInModelPath(opts)}${viaEnv ? ' (SER_BUILTIN_MODEL)' : ''}`;
}

/** The built-in model's folder; a SerError('not-found') naming where it was looked for when absent. */
export function requireBuiltInModel(opts: BuiltInLookup = {}): string {
  const dir = findBuiltInModel(opts);
  if (!dir) throw new SerError('not-found', builtInMissingMessage(opts));
  return dir;
}

const isFraction = (v: unknown): v is number => typeof v === 'number' && v >= 0 && v <= 1;
const isText = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/** The card of a metadata object, or null when absent or malformed (a bad card must not claim numbers). */
export function parseModelCard(raw: unknown): ModelCard | null {
  if (!raw || typeof raw !== 'object') return null;
  const c = raw as Record<string, unknown>;
  if (!isText(c.title) || !isText(c.trainedOn) || typeof c.licence !== 'string') return null;
  const ns = c.newSpeakers as Record<string, unknown> | null | undefined;
  const rs = c.randomSplit as Record<string, unknown> | null | undefined;
  if (ns != null && (typeof ns !== 'object' || !isFraction(ns.accuracy) || !isFraction(ns.uar) || !isText(ns.protocol))) return null;
  if (rs != null && (typeof rs !== 'object' || !isFraction(rs.accuracy) || !isFraction(rs.uar))) return null;
  return {
    title: c.title,
    trainedOn: c.trainedOn,
    newSpeakers: ns ? { accuracy: ns.accuracy as number, uar: ns.uar as number, protocol: ns.protocol as string } : null,
    randomSplit: rs ? { accuracy: rs.accuracy as number, uar: rs.uar as number } : null,
    licence: c.licence,
  };
}

/** What a model folder's metadata.json says without loading the model: its card and when/by what it was made. */
export interface ModelFolderInfo {
  card: ModelCard | null;
  /**
   * Changes when the model or what it tells the user does: appVersion + createdAt (or the folder when the metadata
   * has neither) + a hash of the card and the windows, so new figures on the same weights are shown again.
   */
  version: string;
}

export function readModelFolderInfo(dir: string): ModelFolderInfo {
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new SerError('corrupt', `${dir}: cannot read metadata.json (${(err as Error).message}); the model folder is incomplete`);
  }
  const stamp = [meta.appVersion, meta.createdAt].filter((v): v is string => typeof v === 'string').join(' ');
  const told = createHash('sha256').update(JSON.stringify([meta.card ?? null, meta.windowOffsets ?? null])).digest('hex').slice(0, 8);
  return { card: parseModelCard(meta.card), version: `${stamp || dir} ${told}` };
}
