/**
 * The Electron main process (electron/main.ts) against the one shared stand-in for `electron`
 * (mockElectron.ts): the window's webPreferences, navigation / new-window / webview / permission guards, the IPC
 * boundary (prefix, sender frame, schema), the app:// protocol, and quitting during training. Everything behind
 * Electron is real: the services, a SQLite file and the training worker on a generated dataset.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EVENT_CHANNEL, METHOD_NAMES } from '../../electron/contract/names.js';
import { CSP } from '../../electron/server/security.js';
import { openStore } from '../../electron/engine/store/index.js';
import { appRoot } from '../../electron/engine/version.js';
import { textureDataset } from '../helpers/toneDataset.js';
import * as electron from './mockElectron.js';

vi.mock('electron', async () => (await import('./mockElectron.js')).electronModule);

const dir = mkdtempSync(join(tmpdir(), 'vox-main-'));
const env = { SER_DB: join(dir, 'e.db'), SER_DATA_DIR: join(dir, 'data') };
const savedEnv = { SER_DB: process.env.SER_DB, SER_DATA_DIR: process.env.SER_DATA_DIR };
let handle: Awaited<typeof import('../../electron/main.js')['ready']>;

beforeAll(async () => {
  Object.assign(process.env, env);
  const main = await import('../../electron/main.js');
  handle = await main.ready;
});

afterAll(async () => {
  await handle?.services.close();
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(dir, { recursive: true, force: true });
});

const win = () => electron.FakeBrowserWindow.all[0]!;

describe('window', () => {
  it('starts with the single-instance lock and one window over app://vox', () => {
    expect(handle).toBeDefined();
    expect(electron.app.requestSingleInstanceLock).toHaveBeenCalledTimes(1);
    expect(electron.FakeBrowserWindow.all).toHaveLength(1);
    expect(win().loaded).toEqual(['app://vox/index.html']);
    expect(electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([expect.objectContaining({ scheme: 'app' })]);
  });

  it('isolates the renderer: contextIsolation, sandbox, no Node, no <webview>, the bundled preload', () => {
    const prefs = win().options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false, webSecurity: true });
    expect(prefs.preload).toMatch(/preload\.cjs$/);
    expect(win().options).toMatchObject({ minWidth: 1024, minHeight: 700 });
  });

  it('blocks navigation away from the app, redirects, new windows and webviews; denies permissions', () => {
    const contents = new electron.FakeWebContents();
    electron.emitApp('web-contents-created', contents);
    expect(contents.emitPreventable('will-navigate', 'https://example.com/')).toBe(true);
    expect(contents.emitPreventable('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(contents.emitPreventable('will-navigate', 'app://voxx.evil/')).toBe(true);
    expect(contents.emitPreventable('will-redirect', 'https://example.com/')).toBe(true);
    expect(contents.emitPreventable('will-navigate', 'app://vox/index.html#/live')).toBe(false);
    expect(contents.emitPreventable('will-attach-webview')).toBe(true);
    expect(contents.windowOpenHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'app://vox/index.html' })).toEqual({ action: 'deny' });
    for (const p of ['media', 'notifications', 'geolocation']) expect(electron.askPermission(p), p).toBe(false);
  });
});

describe('IPC', () => {
  it('handles exactly the contract methods, each on a vox: channel; an unprefixed channel has no handler', async () => {
    expect(electron.ipcChannels().sort()).toEqual(METHOD_NAMES.map((m) => `vox:${m}`).sort());
    await expect(electron.invoke('listRuns', {})).rejects.toThrow(/No handler/);
    await expect(electron.invoke('event', {})).rejects.toThrow(/No handler/);
    expect(await electron.invoke('vox:listRuns', {})).toEqual({ ok: true, value: [] });
  });

  it('refuses a sender that is not the app window main frame', async () => {
    const forbidden = { ok: false, error: { code: 'forbidden', message: expect.stringContaining('not from the app window') } };
    // A subframe of the app window (same URL, but not the main frame).
    expect(await electron.invoke('vox:listRuns', {}, { frame: { url: 'app://vox/index.html' } })).toEqual(forbidden);
    // Another page that somehow got the preload.
    const other = new electron.FakeWebContents('https://example.com/');
    expect(await electron.invoke('vox:listRuns', {}, { sender: other })).toEqual(forbidden);
    // A frame whose URL is not the app's, even as a main frame.
    const lookalike = new electron.FakeWebContents('app://vox.evil/index.html');
    expect(await electron.invoke('vox:about', {}, { sender: lookalike })).toEqual(forbidden);
  });

  it('refuses a payload that fails the schema with {code, message} and never throws across IPC', async () => {
    const bad = (await electron.invoke('vox:getRun', { id: 'x' })) as { ok: boolean; error: Record<string, unknown> };
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatchObject({ code: 'bad-input', message: expect.stringContaining('getRun: id') });
    const extra = (await electron.invoke('vox:listRuns', { sneaky: true })) as { ok: boolean; error: Record<string, unknown> };
    expect(extra).toMatchObject({ ok: false, error: { code: 'bad-input' } });
    const missing = (await electron.invoke('vox:getRun', { id: 999 })) as { ok: boolean; error: Record<string, unknown> };
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found', message: expect.any(String) } });
    for (const r of [bad, extra, missing]) expect(Object.keys(r.error).filter((k) => k !== 'details').sort()).toEqual(['code', 'message']);
  });
});

describe('app:// protocol', () => {
  it('serves the built renderer with the CSP, nothing outside it, and no unknown host', async () => {
    expect((await electron.appUrl('app://vox/../package.json')).status).toBe(404);
    expect((await electron.appUrl('app://vox/%2e%2e/package.json')).status).toBe(404);
    expect((await electron.appUrl('app://other/index.html')).status).toBe(404);
    expect((await electron.appUrl('app://vox/api/datasets/1/files/1/audio')).status).toBe(404);
    if (!existsSync(join(appRoot, 'dist', 'renderer', 'index.html'))) {
      console.warn('renderer not built (npm run build): the index.html part is skipped');
      return;
    }
    const page = await electron.appUrl('app://vox/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CSP);
    expect(CSP).toMatch(/default-src 'none'.*script-src 'self'/);
    expect(await page.text()).toMatch(/<html/i);
  });
});

describe('quitting while a run trains', () => {
  it('asks; "Keep training" keeps it; "Quit" checkpoints it as interrupted, then quits', async () => {
    const data = join(dir, 'texture');
    textureDataset(data, 2, 4, 1.5);
    const started = (await electron.invoke('vox:startTraining', {
      data, epochs: 500, batchSize: 8, optimizer: 'adam', learningRate: 0.001, split: { kind: 'random' }, augmentCopies: 0, snrLow: 10, snrHigh: 20, seed: 3,
    })) as { ok: true; value: { runId: number } };
    expect(started.ok).toBe(true);
    const runId = started.value.runId;
    // The training events reach the window on the event channel; wait for the first finished epoch.
    const sawEpoch = () =>
      win().webContents.sent.some((m) => m.channel === EVENT_CHANNEL && (m.args[0] as { payload: { event?: string } }).payload.event === 'epoch');
    await vi.waitFor(() => expect(sawEpoch()).toBe(true), { timeout: 90_000, interval: 100 });
    expect(handle!.services.training.activeCount).toBe(1);

    electron.dialog.showMessageBox.mockResolvedValueOnce({ response: 0 });
    expect(electron.emitApp('before-quit')).toBe(true);
    await vi.waitFor(() => expect(electron.dialog.showMessageBox).toHaveBeenCalledTimes(1));
    expect(electron.dialog.showMessageBox.mock.calls[0]![1]).toMatchObject({ buttons: ['Keep training', 'Quit'], cancelId: 0, message: expect.stringContaining('training') });
    await new Promise((r) => setTimeout(r, 200));
    expect(electron.app.quit).not.toHaveBeenCalled();
    expect(handle!.services.training.activeCount).toBe(1);

    electron.dialog.showMessageBox.mockResolvedValueOnce({ response: 1 });
    expect(electron.emitApp('before-quit')).toBe(true);
    await vi.waitFor(() => expect(electron.app.quit).toHaveBeenCalledTimes(1), { timeout: 60_000, interval: 100 });
    expect(electron.dialog.showMessageBox).toHaveBeenCalledTimes(2);
    // The quit that follows is let through (no second question).
    expect(electron.emitApp('before-quit')).toBe(false);

    const store = openStore(env.SER_DB);
    try {
      const run = store.runs.require(runId);
      expect(run.status).toBe('interrupted');
      expect(store.models.listForRun(runId).length).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  }, 150_000);
});
