/**
 * The API over fetch + WebSocket (headless mode, `ser serve`). Routes come from the contract; the token is taken
 * from the page URL once (the server also set it as an HttpOnly cookie) and removed from the address bar.
 */
import { EVENTS_PATH, METHOD_NAMES, routes, type ApiClient, type MethodName } from '../../../../electron/contract/contract.js';
import { ApiError } from '../../../../electron/shared/errors.js';
import { isErrorInfo } from './errors.js';
import { EventHub } from './events.js';

function takeToken(): string | null {
  const url = new URL(location.href);
  const token = url.searchParams.get('token');
  if (token !== null) {
    sessionStorage.setItem('vox-token', token);
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  }
  return token ?? sessionStorage.getItem('vox-token');
}

/** `/runs/:id` + {id: 3, x: 1} → path `/runs/3`, rest {x: 1}. */
export function fillPath(path: string, input: Record<string, unknown>): { path: string; rest: Record<string, unknown> } {
  const rest = { ...input };
  const filled = path.replace(/:([a-zA-Z]+)/g, (_m, name: string) => {
    const v = rest[name];
    delete rest[name];
    if (v === undefined || v === null) throw new ApiError({ code: 'bad-input', message: `missing ${name}` });
    return encodeURIComponent(String(v));
  });
  return { path: filled, rest };
}

export function createHttpClient(base: URL = new URL('./', location.href)): ApiClient {
  const token = takeToken();
  const hub = new EventHub();
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};

  async function call(method: MethodName, input: unknown): Promise<unknown> {
    const route = routes[method];
    const { path, rest } = fillPath(route.path, (input ?? {}) as Record<string, unknown>);
    const url = new URL('api' + path, base);
    const init: RequestInit = { method: route.verb, headers: { ...headers }, credentials: 'same-origin' };
    if (route.verb === 'GET' || route.verb === 'DELETE') {
      for (const [k, v] of Object.entries(rest)) if (v !== undefined) url.searchParams.set(k, Array.isArray(v) ? v.join(',') : String(v));
    } else {
      init.body = JSON.stringify(rest);
      (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
    }
    let res: Response;
    try {
      res = await fetch(url, init);
    } catch (err) {
      throw new ApiError({ code: 'io', message: `the server does not answer (${err instanceof Error ? err.message : String(err)}); is \`ser serve\` still running?` });
    }
    const body: unknown = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
    if (!res.ok) throw new ApiError(isErrorInfo(body) ? body : { code: 'internal', message: `HTTP ${res.status}` });
    return body;
  }

  // Events: one WebSocket, reconnected with backoff while the page lives.
  let delay = 500;
  const connect = () => {
    const wsUrl = new URL(EVENTS_PATH.slice(1), base);
    wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
    if (token) wsUrl.searchParams.set('token', token);
    const ws = new WebSocket(wsUrl);
    ws.onopen = () => (delay = 500);
    ws.onmessage = (ev) => {
      try {
        hub.dispatch(JSON.parse(String(ev.data)));
      } catch {
        /* not JSON: ignore */
      }
    };
    ws.onclose = () => {
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10_000);
    };
  };
  connect();

  const client = { transport: 'http' as const, on: hub.on.bind(hub) } as Record<string, unknown>;
  for (const m of METHOD_NAMES) client[m] = (input: unknown) => call(m, input);
  return client as unknown as ApiClient;
}
