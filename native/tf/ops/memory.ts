/**
 * Uniform access to tensor memory for our JS-loop kernels on the two backends whose data is a JS-visible typed
 * array: `wasm` (views over the WebAssembly heap) and `cpu` (typed arrays held by the backend).
 * Allocate every output before taking views: on wasm, allocating may grow the heap and detach older views.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface Memory {
  alloc(shape: number[]): tf.TensorInfo;
  view(t: tf.TensorInfo): Float32Array;
}

interface WasmLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
}
interface CpuLike {
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.TypedArray): tf.TensorInfo;
  data: { get(id: object): { values: tf.TypedArray } };
}

export function memoryOf(backendName: 'wasm' | 'cpu', backend: unknown): Memory {
  if (backendName === 'wasm') {
    const b = backend as WasmLike;
    return { alloc: (shape) => b.makeOutput(shape, 'float32'), view: (t) => b.typedArrayFromHeap(t) as Float32Array };
  }
  const b = backend as CpuLike;
  return {
    alloc: (shape) => b.makeTensorInfo(shape, 'float32', new Float32Array(shape.reduce((a, c) => a * c, 1))),
    view: (t) => b.data.get(t.dataId).values as Float32Array,
  };
}
