/**
 * Preload of the sandboxed renderer: exposes `window.voxApi`, one function per API method (each invoking the
 * `vox:<method>` channel and resolving with `{ok, value|error}` — Electron passes only `message` of a thrown
 * error through IPC, so errors travel as data) and `onEvent(listener)` returning its unsubscribe.
 * No raw ipcRenderer, no sendSync. Bundled to CommonJS (dist/electron/preload.cjs): a sandboxed preload can
 * only `require('electron')`, so names.ts is inlined by the bundler.
 */
import { CHANNEL_PREFIX, EVENT_CHANNEL, METHOD_NAMES } from './contract/names.js';

/** The part of Electron's renderer API used here (typed locally: electron is an optional dependency). */
interface PreloadElectron {
  contextBridge: { exposeInMainWorld(key: string, api: unknown): void };
  ipcRenderer: {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
    removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  };
}
// The bundle is CommonJS: `require` is the sandboxed preload's own (only 'electron' is allowed).
const { contextBridge, ipcRenderer } = require('electron') as PreloadElectron;

const api: Record<string, unknown> = {};
for (const method of METHOD_NAMES) {
  api[method] = (input: unknown) => ipcRenderer.invoke(`${CHANNEL_PREFIX}${method}`, input);
}
api.onEvent = (listener: (msg: unknown) => void) => {
  const wrapped = (_e: unknown, msg: unknown) => listener(msg);
  ipcRenderer.on(EVENT_CHANNEL, wrapped);
  return () => void ipcRenderer.removeListener(EVENT_CHANNEL, wrapped);
};

contextBridge.exposeInMainWorld('voxApi', api);
