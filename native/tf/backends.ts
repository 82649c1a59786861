/**
 * TensorFlow.js backend selection. The app prefers, in order, `tensorflow-gpu` (@tensorflow/tfjs-node-gpu),
 * `tensorflow` (@tensorflow/tfjs-node), `wasm` (@tensorflow/tfjs-backend-wasm + our gradient kernels) and `cpu`,
 * skipping any that fails to load and keeping why (tfjs-node(-gpu) are optional dependencies: offline installs
 * cannot fetch libtensorflow, and the GPU build needs CUDA 11.2). Everything above this module uses only the tfjs
 * API common to all backends.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradient functions; tfjs-layers' bundle registers all of core's (into the
// shared global registry) when loaded. Import it here so gradients exist whatever the caller imported.
import '@tensorflow/tfjs-layers';
import { SerError } from '../../electron/shared/errors.js';
import { backendNames, type BackendName } from '../../electron/shared/backendNames.js';
import { registerWasmTrainingKernels } from './wasm/register.js';

export { backendNames, isBackendName, type BackendName } from '../../electron/shared/backendNames.js';

/** One backend's state as `ser backends` reports it: plain data. */
export interface BackendStatus {
  name: BackendName;
  available: boolean;
  /** Why it is not available (load error, first line), when it is not. */
  reason?: string;
  /** True for the backend currently in use. */
  selected?: boolean;
}

/** The tfjs-registered name behind each of ours (both tfjs-node flavours register 'tensorflow'). */
const tfjsName: Record<BackendName, string> = {
  'tensorflow-gpu': 'tensorflow',
  tensorflow: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

const nodePackage: Partial<Record<BackendName, string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

const loadFailures = new Map<BackendName, string>();
let nodeFlavourLoaded: BackendName | undefined;
let current: BackendName | undefined;

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : typeof err === 'object' && err && 'message' in err ? String((err as { message: unknown }).message) : String(err);
  return msg.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown error';
}

/** Directory holding tfjs-backend-wasm's .wasm binaries (Node needs a filesystem path, not a URL). */
export function wasmBinaryDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
}

/** Registers the backend's factory with tfjs (importing its package) without initialising it. */
async function register(name: BackendName): Promise<void> {
  if (name === 'cpu') {
    await import('@tensorflow/tfjs-backend-cpu');
    return;
  }
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(wasmBinaryDir());
    registerWasmTrainingKernels();
    return;
  }
  // Both tfjs-node flavours register a backend called 'tensorflow'; only one can be loaded per process.
  if (nodeFlavourLoaded && nodeFlavourLoaded !== name) {
    throw new Error(`${nodePackage[nodeFlavourLoaded]} is already loaded in this process`);
  }
  const pkg = nodePackage[name]!;
  // A variable specifier keeps TypeScript from requiring the optional package's types at build time.
  await import(pkg);
  nodeFlavourLoaded = name;
}

/** Tries to load and initialise one backend; returns the failure reason, or undefined when it works. */
async function tryLoad(name: BackendName): Promise<string | undefined> {
  const known = loadFailures.get(name);
  if (known !== undefined) return known;
  try {
    await register(name);
    if (tf.findBackend(tfjsName[name])) return undefined;
    // Initialising is what fails for a broken native library or a missing .wasm file. tfjs logs the cause
    // through console.warn instead of throwing it, so capture those lines to keep the reason.
    const engine = tf.engine() as unknown as { initializeBackend(n: string): { success: boolean | Promise<boolean> } };
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
    let ok: boolean;
    try {
      ok = await engine.initializeBackend(tfjsName[name]).success;
    } finally {
      console.warn = warn;
    }
    if (!ok) throw new Error(warnings.filter((w) => !w.startsWith('Initialization of backend')).join('\n') || `backend '${tfjsName[name]}' failed to initialise`);
    // The cpu backend prints a multi-line "install tfjs-node" banner on first use; `ser backends` says it better.
    if (name === 'cpu') (tf.findBackend('cpu') as unknown as { firstUse?: boolean }).firstUse = false;
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    const pkg = nodePackage[name];
    const reason =
      pkg && code === 'ERR_MODULE_NOT_FOUND' && firstLine(err).includes(pkg)
        ? `${pkg} is not installed (optional dependency: its install downloads libtensorflow, which failed or was skipped)`
        : firstLine(err);
    loadFailures.set(name, reason);
    return reason;
  }
}

/**
 * Probes every backend (loading each one that can be loaded) and reports its state. Probing the node backends
 * imports their packages, which is harmless when they are absent and what we want when they are present.
 */
export async function listBackends(): Promise<BackendStatus[]> {
  const out: BackendStatus[] = [];
  for (const name of backendNames) {
    const reason = await tryLoad(name);
    const status: BackendStatus = reason === undefined ? { name, available: true } : { name, available: false, reason };
    if (current === name) status.selected = true;
    out.push(status);
  }
  return out;
}

export interface SelectOptions {
  /** Force one backend; failing to load it is an error (code 'backend') instead of a fallback. */
  backend?: BackendName;
}

export interface Selection {
  name: BackendName;
  /** Backends tried before this one and why each was skipped. */
  skipped: { name: BackendName; reason: string }[];
}

/** Makes `name` the active tfjs backend (it must have loaded). */
async function activate(name: BackendName): Promise<void> {
  const ok = await tf.setBackend(tfjsName[name]);
  if (!ok) throw new Error(`tf.setBackend('${tfjsName[name]}') failed`);
  await tf.ready();
  current = name;
}

/**
 * Selects the backend to run on: the forced one, or the first of tensorflow-gpu, tensorflow, wasm, cpu that loads.
 * Throws SerError('backend') naming the backend and the reason when a forced backend cannot load.
 */
export async function selectBackend(opts: SelectOptions = {}): Promise<Selection> {
  if (opts.backend) {
    const reason = await tryLoad(opts.backend);
    if (reason !== undefined) {
      throw new SerError('backend', `backend '${opts.backend}' cannot be used: ${reason}; run \`ser backends\` to see which load here`, {
        backend: opts.backend,
        reason,
      });
    }
    await activate(opts.backend);
    return { name: opts.backend, skipped: [] };
  }
  const skipped: Selection['skipped'] = [];
  for (const name of backendNames) {
    const reason = await tryLoad(name);
    if (reason === undefined) {
      try {
        await activate(name);
        return { name, skipped };
      } catch (err) {
        loadFailures.set(name, firstLine(err));
      }
    }
    skipped.push({ name, reason: loadFailures.get(name) ?? 'unknown error' });
  }
  throw new SerError('backend', `no TensorFlow.js backend could be loaded (${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})`);
}

/** The backend in use, if one was selected through this module. */
export function currentBackend(): BackendName | undefined {
  return current;
}
