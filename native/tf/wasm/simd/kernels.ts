/**
 * Loads kernels.as (compiled to WebAssembly SIMD, embedded in kernelsWasm.ts) against the tfjs wasm backend's own
 * WasmMemory, so its functions take tensors' heap offsets and touch the data in place (no copies). One
 * instance per backend memory; the memory may grow later (tfjs grows it), which the shared Memory object handles.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from '../backend.js';
import { kernelsWasmBase64 } from './kernelsWasm.js';

/** Signatures of kernels.as' exports (pointers are byte offsets into the backend's heap). */
export interface SimdKernels {
  bnForward(x: number, y: number, rows: number, C: number, gamma: number, beta: number, eps: number, relu: number, mean: number, variance: number, scratch: number): void;
  bnBackward(dy: number, x: number, rows: number, C: number, gamma: number, beta: number, mean: number, variance: number, eps: number, relu: number, dx: number, dgamma: number, dbeta: number, scratch: number): void;
  bnAffine(x: number, y: number, rows: number, C: number, gamma: number, beta: number, mean: number, variance: number, eps: number, relu: number, scratch: number): void;
  bnReluPoolForward(x: number, out: number, N: number, H: number, W: number, C: number, p: number, gamma: number, beta: number, eps: number, mean: number, variance: number, scratch: number): void;
  bnReluPoolBackward(dyPool: number, yPool: number, x: number, N: number, H: number, W: number, C: number, p: number, gamma: number, beta: number, mean: number, variance: number, eps: number, dx: number, dgamma: number, dbeta: number, scratch: number): void;
  sumRows(x: number, rows: number, C: number, out: number, scratch: number): void;
  maxPoolGradTiled(dy: number, x: number, y: number, dx: number, N: number, H: number, W: number, C: number, Ho: number, Wo: number, ph: number, pw: number): void;
  im2colT(x: number, cols: number, H: number, W: number, Ci: number, KH: number, KW: number, sh: number, sw: number, pt: number, pl: number, Ho: number, Wo: number, r0: number, nRows: number): void;
  accumulate(acc: number, src: number, n: number): void;
  dropout(x: number, out: number, n: number, seed: number, threshold: number, scale: number): void;
  padInput(x: number, xp: number, N: number, H: number, W: number, C: number, pt: number, pb: number, pl: number, pr: number): void;
  conv2dDirect(xp: number, w: number, bias: number, out: number, N: number, Hp: number, Wp: number, Ci: number, Ho: number, Wo: number, Co: number, KH: number, KW: number, sh: number, sw: number): void;
  winogradFilter(w: number, U: number, Ci: number, Co: number): void;
  conv2dWinograd(x: number, U: number, bias: number, out: number, N: number, H: number, W: number, pt: number, pl: number, Ho: number, Wo: number, Ci: number, Co: number, TB: number, scratch: number): void;
  convFilterGradWinograd(x: number, dy: number, dU: number, N: number, H: number, W: number, pt: number, pl: number, Ho: number, Wo: number, Ci: number, Co: number, TB: number, scratch: number): void;
  winogradFilterGrad(dU: number, dW: number, Ci: number, Co: number): void;
  winogradFilter4(w: number, U: number, Ci: number, Co: number): void;
  conv2dWinograd4(x: number, U: number, bias: number, out: number, N: number, H: number, W: number, pt: number, pl: number, Ho: number, Wo: number, Ci: number, Co: number, TB: number, scratch: number): void;
  convFilterGradWinograd4(x: number, dy: number, dU: number, N: number, H: number, W: number, pt: number, pl: number, Ho: number, Wo: number, Ci: number, Co: number, TB: number, scratch: number): void;
  winogradFilterGrad4(dU: number, dW: number, Ci: number, Co: number): void;
  convBnReluPoolForward(x: number, w: number, bias: number, out: number, idx: number, stats: number, N: number, H: number, W: number, C: number, p: number, gamma: number, beta: number, eps: number, mean: number, variance: number, scratch: number): void;
  convBnReluPoolBackward(dy: number, idx: number, stats: number, x: number, w: number, N: number, H: number, W: number, C: number, p: number, gamma: number, variance: number, eps: number, dW: number, dgamma: number, dbeta: number, scratch: number): void;
  convFilterGrad3x3c1(xp: number, dy: number, dW: number, N: number, Hp: number, Wp: number, Ho: number, Wo: number, Co: number): void;
  convFilterGrad(x: number, dy: number, dW: number, N: number, H: number, W: number, Ci: number, Ho: number, Wo: number, Co: number, KH: number, KW: number, sh: number, sw: number, pt: number, pl: number): void;
}

/** WebAssembly's JS API, typed here: TypeScript's ES libs (no DOM) do not declare it. */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The parts of BackendWasm (tfjs-backend-wasm 4.22) that locate a tensor in the heap. */
interface WasmInternals {
  wasm: { asm: { memory: WasmMemory } };
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } | undefined; delete(dataId: object): boolean };
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): tf.TensorInfo;
}

let module: object | undefined;
const instances = new WeakMap<WasmMemory, SimdKernels>();

/** The kernels bound to `backend`'s memory. */
export function simdKernels(backend: WasmBackendLike): SimdKernels {
  const memory = (backend as unknown as WasmInternals).wasm.asm.memory;
  let k = instances.get(memory);
  if (!k) {
    module ??= new WA.Module(Buffer.from(kernelsWasmBase64, 'base64'));
    k = new WA.Instance(module, { env: { memory } }).exports as unknown as SimdKernels;
    instances.set(memory, k);
  }
  return k;
}

/** Heap byte offset of a tensor's data. */
export function ptr(backend: WasmBackendLike, t: tf.TensorInfo): number {
  const d = (backend as unknown as WasmInternals).dataIdMap.get(t.dataId);
  if (!d) throw new Error('tensor data is not on the wasm backend');
  return d.memoryOffset;
}

/** Runs f with a float32 scratch buffer of n floats in the heap (its offset), freed afterwards. */
export function withScratch<T>(backend: WasmBackendLike, n: number, f: (p: number) => T): T {
  const s = backend.makeOutput([Math.max(4, n)], 'float32');
  try {
    return f(ptr(backend, s));
  } finally {
    backend.disposeData(s.dataId);
  }
}

/**
 * A tensor over `shape` floats of existing heap memory at byte offset `offset` (no allocation, no copy), for
 * passing part of a tensor to one of wasm's own kernels (e.g. the rows of dy a matMul needs). Release it with
 * releaseView, never dispose it: disposing would free memory it does not own.
 */
export function heapView(backend: WasmBackendLike, offset: number, shape: number[]): tf.TensorInfo {
  return (backend as unknown as WasmInternals).makeOutput(shape, 'float32', offset);
}

/** Forgets a heapView (on the JS side and in the C++ tensor registry) without freeing its memory. */
export function releaseView(backend: WasmBackendLike, view: tf.TensorInfo): void {
  const b = backend as unknown as WasmInternals & { wasm: { tfjs: { disposeData(id: number): void } } };
  const d = b.dataIdMap.get(view.dataId);
  if (!d) return;
  b.wasm.tfjs.disposeData(d.id);
  b.dataIdMap.delete(view.dataId);
}
