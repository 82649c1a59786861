/**
 * The TensorFlow.js backends the app knows, in the order it tries them (native/tf/backends.ts selects among them).
 * Here, in the bottom layer and without tfjs, so that option lists — the contract, the renderer's form, `ser
 * --help` — name them from the one list.
 */
export const backendNames = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof backendNames)[number];

export function isBackendName(s: string): s is BackendName {
  return (backendNames as readonly string[]).includes(s);
}
