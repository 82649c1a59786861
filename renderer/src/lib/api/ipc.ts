/** The API over Electron IPC: the preload's `window.voxApi`, one function per method returning `{ok, value|error}`. */
import { METHOD_NAMES, type ApiClient, type ApiErrorInfo } from '../../../../electron/contract/contract.js';
import { ApiError } from '../../../../electron/shared/errors.js';
import { EventHub } from './events.js';

type Envelope = { ok: true; value: unknown } | { ok: false; error: ApiErrorInfo };
export interface PreloadApi {
  onEvent(listener: (msg: unknown) => void): () => void;
  [method: string]: ((input: unknown) => Promise<Envelope>) | ((listener: (msg: unknown) => void) => () => void);
}

export function createIpcClient(bridge: PreloadApi): ApiClient {
  const hub = new EventHub();
  bridge.onEvent((msg) => hub.dispatch(msg));
  const client = { transport: 'ipc' as const, on: hub.on.bind(hub) } as Record<string, unknown>;
  for (const m of METHOD_NAMES) {
    const fn = bridge[m] as (input: unknown) => Promise<Envelope>;
    client[m] = async (input: unknown) => {
      const r = await fn(input);
      if (!r.ok) throw new ApiError(r.error);
      return r.value;
    };
  }
  return client as unknown as ApiClient;
}
