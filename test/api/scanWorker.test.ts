/**
 * Scanning a dataset through the services happens on a worker thread: the caller's event loop (the headless
 * server's, or Electron main's) keeps turning while every file is hashed and decoded, and the scan's progress
 * still arrives as `scan` events. Real WAVs in a temp folder, real SQLite store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../electron/services/index.js';
import type { ApiEvents } from '../../electron/contract/types.js';
import { ravdessTree } from '../helpers/trees.js';

let dir: string;
let services: Services;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vox-scan-'));
  ravdessTree(join(dir, 'ds'), 6); // 6 actors × 60 = 360 small WAVs
  services = createServices({ transport: 'http', dbPath: join(dir, 'e.db'), dataDir: join(dir, 'data') });
});

afterAll(async () => {
  await services?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('dataset scan off the event loop', () => {
  it('keeps a 10 ms timer firing while 360 files are scanned, and relays progress', async () => {
    const progress: ApiEvents['scan'][] = [];
    const off = services.bus.subscribe((m) => {
      if (m.name === 'scan') progress.push(m.payload);
    });
    let last = performance.now();
    let maxGap = 0;
    let ticks = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 10);
    // Runs until the scan is recorded: only the store insert and the summary run on this thread.
    const elu0 = performance.eventLoopUtilization();
    const result = await services.handlers.scanDataset({ root: join(dir, 'ds') });
    const elu = performance.eventLoopUtilization(elu0);
    clearInterval(timer);
    off();

    expect(result.usable).toBe(360);
    expect(result.problems).toEqual([]);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.at(-1)).toMatchObject({ root: join(dir, 'ds'), done: 360, total: 360 });
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.done).toBeGreaterThan(progress[i - 1]!.done);
    expect(ticks).toBeGreaterThan(3);
    // The loop never stalled for more than ~100 ms (the machine is shared, so the bound leaves headroom).
    expect(maxGap, `longest gap between timer ticks: ${maxGap.toFixed(1)} ms`).toBeLessThan(100);
    // And this thread was mostly idle: scanning these files on it measured 0.83-0.99 (busy nearly all the time),
    // through the worker 0.04-0.06.
    expect(elu.utilization, `event-loop utilisation during the scan: ${elu.utilization.toFixed(2)}`).toBeLessThan(0.5);
  });

  it('reports a missing folder in the one error shape, through the worker', async () => {
    await expect(services.handlers.scanDataset({ root: join(dir, 'nope') })).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringContaining('no such folder'),
    });
  });
});
