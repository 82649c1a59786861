/**
 * The one-shot worker pattern the scan, the ensemble build and the backend probe share: progress relayed in order,
 * one answer, the worker's own error code carried across threads, a silent exit turned into an error naming the
 * job, and close() stopping what still runs. Real worker threads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createServices } from '../../electron/services/index.js';
import { OneShotWorkers } from '../../electron/engine/workers/oneShot.js';
import { SerError } from '../../electron/shared/errors.js';

const run = (w: OneShotWorkers, mode: string, onProgress?: (p: number) => void) =>
  w.run<number, number>('oneShotFixture', { what: `job ${mode}`, workerData: mode, ...(onProgress ? { onProgress } : {}) });

describe('one-shot workers', () => {
  it('relays progress in order and resolves with the result', async () => {
    const seen: number[] = [];
    await expect(run(new OneShotWorkers(import.meta.url), 'count', (p) => seen.push(p))).resolves.toBe(42);
    expect(seen).toEqual([1, 2, 3]);
  });

  it("rejects with the worker's own code and message", async () => {
    const err = await run(new OneShotWorkers(import.meta.url), 'refuse').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SerError);
    expect(err).toMatchObject({ code: 'bad-input', message: 'clip.wav: not audio' });
  });

  it('turns an exit without an answer into an error naming the job', async () => {
    const err = await run(new OneShotWorkers(import.meta.url), 'exit').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'cancelled', message: 'job exit stopped (worker exit code 3)' });
  });

  it('close() stops a job still running, which then rejects', async () => {
    const workers = new OneShotWorkers(import.meta.url);
    const pending = run(workers, 'hang').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    await workers.close();
    expect(await pending).toMatchObject({ code: 'cancelled', message: expect.stringMatching(/^job hang stopped/) });
  });

  it('the backend probe of the services answers through one: the list, with the selected backend marked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vox-probe-'));
    const services = createServices({ transport: 'http', dbPath: join(dir, 'e.db'), dataDir: join(dir, 'data') });
    try {
      const list = await services.handlers.listBackends({});
      expect(list.map((b) => b.name)).toContain('wasm');
      expect(list.filter((b) => b.selected)).toHaveLength(1);
      expect(list.find((b) => b.selected)?.available).toBe(true);
    } finally {
      await services.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
