/** Picks the transport once at start-up: Electron's preload bridge when present, else HTTP + WebSocket. */
import type { ApiClient } from '../../../../electron/contract/contract.js';
import { createHttpClient } from './http.js';
import { createIpcClient, type PreloadApi } from './ipc.js';

export function createClient(): ApiClient {
  const bridge = (globalThis as { voxApi?: PreloadApi }).voxApi;
  return bridge ? createIpcClient(bridge) : createHttpClient();
}
export { ApiError } from '../../../../electron/shared/errors.js';
