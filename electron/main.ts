/**
 * Electron main process: one window over the built renderer (app://vox/), the API over IPC, the services in
 * this process (training on a worker thread, capture in a child process — nothing heavy on this thread).
 *
 * Security: contextIsolation + sandbox, no nodeIntegration, a strict CSP on every app:// response, navigation
 * and new windows blocked, permission requests denied (the microphone is read by the main side, not the page),
 * IPC accepted only on `vox:` channels from the window's main frame at app://vox. Single instance.
 * Quitting while a run trains asks first, then checkpoints it as `interrupted` (resumable with Continue).
 *
 * Electron is an optional dependency (its binary cannot always be downloaded): its API is typed locally below
 * and imported at run time, so the project compiles and tests without it.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUDIO_ROUTE, TAKE_AUDIO_ROUTE } from './contract/contract.js';
import { CHANNEL_PREFIX, EVENT_CHANNEL, METHOD_NAMES } from './contract/names.js';
import { createRouter, toApiError } from './server/router.js';
import { CSP, SECURITY_HEADERS } from './server/security.js';
import { createServices, type Services } from './services/index.js';
import { setUserDataDir } from './engine/store/index.js';
import { appRoot } from './engine/version.js';

// ---- The slice of Electron's main-process API this file uses -------------------------------------------
interface WebContents {
  send(channel: string, ...args: unknown[]): void;
  on(event: 'will-navigate' | 'will-redirect', listener: (e: { preventDefault(): void; url: string }, url: string) => void): void;
  on(event: 'will-attach-webview', listener: (e: { preventDefault(): void }) => void): void;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  readonly mainFrame: unknown;
  isDestroyed(): boolean;
}
interface BrowserWindow {
  readonly webContents: WebContents;
  loadURL(url: string): Promise<void>;
  once(event: 'ready-to-show', listener: () => void): void;
  on(event: 'closed', listener: () => void): void;
  show(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isDestroyed(): boolean;
}
interface IpcMainInvokeEvent {
  readonly sender: WebContents;
  readonly senderFrame: { url: string } | null;
}
interface ElectronMain {
  app: {
    isPackaged: boolean;
    getPath(name: 'userData'): string;
    getVersion(): string;
    requestSingleInstanceLock(): boolean;
    whenReady(): Promise<void>;
    quit(): void;
    exit(code?: number): void;
    on(event: 'second-instance' | 'window-all-closed' | 'activate', listener: () => void): void;
    on(event: 'before-quit', listener: (e: { preventDefault(): void }) => void): void;
    on(event: 'web-contents-created', listener: (e: unknown, contents: WebContents) => void): void;
  };
  BrowserWindow: { new (opts: Record<string, unknown>): BrowserWindow; getAllWindows(): BrowserWindow[] };
  ipcMain: { handle(channel: string, handler: (e: IpcMainInvokeEvent, input: unknown) => Promise<unknown>): void };
  protocol: {
    registerSchemesAsPrivileged(schemes: Array<{ scheme: string; privileges: Record<string, boolean> }>): void;
    handle(scheme: string, handler: (req: { url: string; method: string }) => Promise<Response> | Response): void;
  };
  session: { defaultSession: { setPermissionRequestHandler(h: (wc: unknown, permission: string, cb: (ok: boolean) => void) => void): void } };
  dialog: { showMessageBox(win: BrowserWindow | undefined, opts: Record<string, unknown>): Promise<{ response: number }> };
}

const ORIGIN = 'app://vox';
const here = dirname(fileURLToPath(import.meta.url));
const rendererDir = join(appRoot, 'dist', 'renderer');
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.json': 'application/json', '.map': 'application/json',
  '.wav': 'audio/wav', '.flac': 'audio/flac', '.mp3': 'audio/mpeg', '.ogg': 'audio/ogg',
};

async function loadElectron(): Promise<ElectronMain> {
  const name = 'electron';
  const mod = (await import(name)) as ElectronMain & { default?: ElectronMain };
  return mod.default?.app ? mod.default : mod;
}

function errorResponse(status: number, message: string): Response {
  return new Response(message, { status, headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } });
}

/**
 * app://vox/<file> → the built renderer; app://vox/api/datasets/<id>/files/<id>/audio → that dataset file;
 * app://vox/api/voice/<speaker>/takes/<emotion>/<name>/audio → a take of a voice session.
 */
async function serveAppUrl(services: Services, rawUrl: string): Promise<Response> {
  const url = new URL(rawUrl);
  if (url.host !== 'vox') return errorResponse(404, 'not found');
  const audio = AUDIO_ROUTE.exec(url.pathname);
  const take = TAKE_AUDIO_ROUTE.exec(url.pathname);
  let file: string;
  let mime: string;
  if (take) {
    try {
      file = services.voice.resolveTake(decodeURIComponent(take[1]!), decodeURIComponent(take[2]!), decodeURIComponent(take[3]!));
      mime = 'audio/wav';
    } catch (err) {
      return errorResponse(404, toApiError(err).message);
    }
  } else if (audio) {
    try {
      ({ path: file, mime } = services.datasets.resolveFile(Number(audio[1]), Number(audio[2])));
    } catch (err) {
      return errorResponse(404, toApiError(err).message);
    }
  } else {
    const path = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    file = resolve(rendererDir, '.' + path);
    const rel = relative(rendererDir, file);
    if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) return errorResponse(404, 'not found');
    if (!existsSync(file)) return errorResponse(404, 'not found');
    mime = MIME[extname(file)] ?? 'application/octet-stream';
  }
  const body = await readFile(file);
  return new Response(body, { headers: { ...SECURITY_HEADERS, 'Content-Security-Policy': CSP, 'Content-Type': mime } });
}

/** What the started app holds (the main-process tests inspect it; nothing else uses it). */
export interface AppHandle {
  services: Services;
}

/**
 * Before `ready`: single-instance lock, user-data folder, privileged scheme, web-contents guards. Resolves once
 * the app is ready and the window is created (undefined when another instance holds the lock).
 */
function beforeReady(electron: ElectronMain): Promise<AppHandle | undefined> {
  const { app, protocol } = electron;

  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return Promise.resolve(undefined);
  }
  // The packaged app keeps its database and data under the OS user-data folder (README: Where data lives).
  if (app.isPackaged) setUserDataDir(app.getPath('userData'));

  protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }]);

  // Every web contents: no navigation away from the app, no new windows, no <webview>.
  app.on('web-contents-created', (_e, contents) => {
    const guard = (e: { preventDefault(): void }, url: string) => {
      if (!url.startsWith(`${ORIGIN}/`)) e.preventDefault();
    };
    contents.on('will-navigate', guard);
    contents.on('will-redirect', guard);
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });

  return app.whenReady().then(() => onReady(electron)).catch((err: unknown) => {
    console.error(err);
    app.exit(1);
    return undefined;
  });
}

/** Everything that needs a ready app: the protocol handler, IPC, the window. */
function onReady(electron: ElectronMain): AppHandle {
  const { app, BrowserWindow, ipcMain, protocol, session, dialog } = electron;
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, cb) => cb(false));

  const services = createServices({
    transport: 'ipc',
    versions: { electron: process.versions.electron ?? '?', chrome: process.versions.chrome ?? '?' },
    // `ser` for the packaged app: this binary run as Node on the bundled bin/ser.js (Settings → Install).
    cliLauncher: { execPath: process.execPath, serScript: join(appRoot, 'bin', 'ser.js') },
  });
  const router = createRouter(services.handlers);
  protocol.handle('app', (req) => serveAppUrl(services, req.url));

  let win: BrowserWindow | undefined;
  const createWindow = () => {
    win = new BrowserWindow({
      width: 1280,
      height: 820,
      minWidth: 1024,
      minHeight: 700,
      show: false,
      title: 'Vox Affect',
      icon: join(appRoot, 'resources', 'icon.png'),
      webPreferences: {
        preload: join(here, 'preload.cjs'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webviewTag: false,
        webSecurity: true,
        spellcheck: false,
      },
    });
    win.once('ready-to-show', () => win?.show());
    win.on('closed', () => (win = undefined));
    void win.loadURL(`${ORIGIN}/index.html`);
  };

  // IPC: only `vox:<method>`, only from the main frame of our own page.
  for (const method of METHOD_NAMES) {
    ipcMain.handle(`${CHANNEL_PREFIX}${method}`, async (e, input) => {
      const frameUrl = e.senderFrame?.url ?? '';
      if (!frameUrl.startsWith(`${ORIGIN}/`) || e.senderFrame !== e.sender.mainFrame) {
        return { ok: false, error: { code: 'forbidden', message: 'IPC refused: not from the app window' } };
      }
      return router.call(method, input);
    });
  }
  services.bus.subscribe((msg) => {
    for (const w of BrowserWindow.getAllWindows()) if (!w.isDestroyed() && !w.webContents.isDestroyed()) w.webContents.send(EVENT_CHANNEL, msg);
  });

  app.on('second-instance', () => {
    if (!win) return createWindow();
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  app.on('window-all-closed', () => app.quit());

  // Quitting: ask while training; then checkpoint the runs as interrupted (resumable) before exiting.
  let quitting = false;
  app.on('before-quit', (e) => {
    if (quitting) return;
    e.preventDefault();
    void (async () => {
      if (services.training.activeCount > 0) {
        const { response } = await dialog.showMessageBox(win, {
          type: 'question',
          buttons: ['Keep training', 'Quit'],
          defaultId: 0,
          cancelId: 0,
          message: 'A run is training. Quit anyway?',
          detail: 'The run is checkpointed and marked interrupted; continue it later from its monitor.',
        });
        if (response !== 1) return;
      }
      quitting = true;
      await services.close().catch((err: unknown) => console.error('closing services failed:', err));
      app.quit();
    })();
  });

  createWindow();
  return { services };
}

// Top-level await: Electron defers `ready` until an ESM entry point has evaluated, so the scheme registration
// in beforeReady happens in time. Not awaited itself, for the same reason.
export const ready: Promise<AppHandle | undefined> = beforeReady(await loadElectron());
