/**
 * The slice of tfjs-backend-wasm's BackendWasm our kernels use, typed structurally so nothing here depends on
 * the package's internals beyond what its .d.ts declares. Kernels either call wasm's own kernels (XNNPACK conv,
 * matMul…) or loop in JS over the wasm heap: every tensor's data lives in one WebAssembly.Memory.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

export type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: WasmBackendLike; attrs?: tf.NamedAttrMap };

/** Float32 view of a tensor's data in the heap. Take views AFTER allocating outputs: growing memory detaches them. */
export function f32(backend: WasmBackendLike, t: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

const originals = new Map<string, tf.KernelConfig>();

/**
 * Replaces wasm's kernel with ours, keeping the original as a fallback. Its setupFunc (which binds the C++
 * function, run when the backend initialises) is chained into ours so the fallback still works.
 */
export function replaceKernel(config: tf.KernelConfig): void {
  const orig = originals.get(config.kernelName) ?? tf.getKernel(config.kernelName, 'wasm');
  if (orig) {
    originals.set(config.kernelName, orig);
    tf.unregisterKernel(config.kernelName, 'wasm');
  }
  const setup = orig?.setupFunc;
  tf.registerKernel(setup ? { ...config, setupFunc: setup } : config);
}

/** Runs wasm's own kernel `name` (the original when we replaced it) directly, without the engine or the tape. */
export function runWasmKernel(name: string, backend: WasmBackendLike, inputs: tf.NamedTensorInfoMap, attrs: object = {}): tf.TensorInfo {
  const fn = (originals.get(name) ?? tf.getKernel(name, 'wasm'))?.kernelFunc;
  if (!fn) throw new Error(`wasm kernel ${name} is not registered`);
  return fn({ inputs, backend: backend as unknown as tf.KernelBackend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
}

export function dispose(backend: WasmBackendLike, ...ts: tf.TensorInfo[]): void {
  for (const t of ts) backend.disposeData(t.dataId);
}
