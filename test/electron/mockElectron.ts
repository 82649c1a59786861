/**
 * The one stand-in for the `electron` module in the main-process tests (the Electron binary cannot be installed
 * here). It records what main.ts asks of Electron — windows and their options, IPC handlers, the protocol
 * handler, app event listeners, dialogs — and lets a test play Electron's part: fire app events, invoke an IPC
 * channel as a given frame, answer the quit dialog. Use it with
 * `vi.mock('electron', async () => (await import('./mockElectron.js')).electronModule)`.
 */
import { vi } from 'vitest';

type Listener = (...args: never[]) => unknown;

/** A web contents: its event listeners, window-open handler and sent messages, and a main frame. */
export class FakeWebContents {
  readonly listeners = new Map<string, Listener[]>();
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  readonly sent: Array<{ channel: string; args: unknown[] }> = [];
  readonly mainFrame: { url: string };
  destroyed = false;
  constructor(url = 'app://vox/index.html') {
    this.mainFrame = { url };
  }
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  setWindowOpenHandler(h: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = h;
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** Fires `event` like Electron does; returns whether a listener called preventDefault. */
  emitPreventable(event: string, url?: string): boolean {
    let prevented = false;
    const e = { preventDefault: () => void (prevented = true), url };
    for (const l of this.listeners.get(event) ?? []) (l as (e: unknown, url?: string) => void)(e, url);
    return prevented;
  }
}

export class FakeBrowserWindow {
  static readonly all: FakeBrowserWindow[] = [];
  readonly options: Record<string, unknown>;
  readonly webContents = new FakeWebContents();
  readonly loaded: string[] = [];
  shown = false;
  constructor(options: Record<string, unknown>) {
    this.options = options;
    FakeBrowserWindow.all.push(this);
  }
  static getAllWindows(): FakeBrowserWindow[] {
    return FakeBrowserWindow.all;
  }
  loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    return Promise.resolve();
  }
  once(): void {}
  on(): void {}
  show(): void {
    this.shown = true;
  }
  focus(): void {}
  restore(): void {}
  isMinimized(): boolean {
    return false;
  }
  isDestroyed(): boolean {
    return false;
  }
}

const appListeners = new Map<string, Listener[]>();
const ipcHandlers = new Map<string, (e: unknown, input: unknown) => Promise<unknown>>();
const protocolHandlers = new Map<string, (req: { url: string; method: string }) => Promise<Response> | Response>();
let permissionHandler: ((wc: unknown, permission: string, cb: (ok: boolean) => void) => void) | undefined;

export const app = {
  isPackaged: false,
  getPath: vi.fn(() => '/nonexistent/userData'),
  getVersion: () => '0.0.0-test',
  requestSingleInstanceLock: vi.fn(() => true),
  whenReady: () => Promise.resolve(),
  quit: vi.fn(),
  exit: vi.fn(),
  on(event: string, listener: Listener) {
    appListeners.set(event, [...(appListeners.get(event) ?? []), listener]);
  },
};

export const ipcMain = {
  handle: vi.fn((channel: string, handler: (e: unknown, input: unknown) => Promise<unknown>) => {
    if (ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    ipcHandlers.set(channel, handler);
  }),
};

export const protocol = {
  registerSchemesAsPrivileged: vi.fn(),
  handle: vi.fn((scheme: string, h: (req: { url: string; method: string }) => Promise<Response> | Response) => void protocolHandlers.set(scheme, h)),
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler: (h: typeof permissionHandler) => void (permissionHandler = h),
  },
};

/** The quit dialog: answers with `response` (0 = "Keep training", 1 = "Quit"); calls are recorded. */
export const dialog = {
  showMessageBox: vi.fn(async (_win: unknown, _opts: Record<string, unknown>) => ({ response: 1 })),
};

export const electronModule = { app, BrowserWindow: FakeBrowserWindow, ipcMain, protocol, session, dialog, default: undefined };

// ---- What a test does as Electron ----------------------------------------------------------------------

export function ipcChannels(): string[] {
  return [...ipcHandlers.keys()];
}

/**
 * Invokes `channel` as ipcRenderer.invoke would from `frame` of `sender` (by default the window's main frame).
 * Like Electron, a channel nobody handles rejects.
 */
export async function invoke(channel: string, input: unknown, opts: { sender?: FakeWebContents; frame?: { url: string } } = {}): Promise<unknown> {
  const handler = ipcHandlers.get(channel);
  if (!handler) throw new Error(`No handler registered for '${channel}'`);
  const sender = opts.sender ?? FakeBrowserWindow.all[0]!.webContents;
  return handler({ sender, senderFrame: opts.frame ?? sender.mainFrame }, input);
}

/** Fires an app event; for `before-quit`, returns whether main prevented the default (the quit). */
export function emitApp(event: string, ...args: unknown[]): boolean {
  let prevented = false;
  const e = { preventDefault: () => void (prevented = true) };
  for (const l of appListeners.get(event) ?? []) (l as (...a: unknown[]) => void)(...(event === 'before-quit' ? [e] : [e, ...args]));
  return prevented;
}

export function appUrl(url: string): Promise<Response> {
  const h = protocolHandlers.get('app');
  if (!h) throw new Error('no app:// protocol handler');
  return Promise.resolve(h({ url, method: 'GET' }));
}

export function askPermission(permission: string): boolean {
  let granted: boolean | undefined;
  permissionHandler?.({}, permission, (ok) => (granted = ok));
  if (granted === undefined) throw new Error('no permission handler answered');
  return granted;
}
