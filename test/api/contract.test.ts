/** The contract's tables agree with each other, with the preload bundle, and reject bad payloads identically. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_NAMES, METHOD_NAMES, eventSchemas, inputSchemas, routes } from '../../electron/contract/contract.js';
import { createRouter, parseInput } from '../../electron/server/router.js';
import { EventBus } from '../../electron/services/eventBus.js';
import { repoRoot } from '../helpers/ser.js';
import type { ApiHandlers } from '../../electron/contract/contract.js';

describe('contract', () => {
  it('has one schema and one distinct HTTP route per method', () => {
    expect(Object.keys(inputSchemas).sort()).toEqual([...METHOD_NAMES].sort());
    expect(Object.keys(routes).sort()).toEqual([...METHOD_NAMES].sort());
    const keys = METHOD_NAMES.map((m) => `${routes[m].verb} ${routes[m].path}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(Object.keys(eventSchemas).sort()).toEqual([...EVENT_NAMES].sort());
  });

  it('the built preload exposes exactly the contract methods on vox: channels', () => {
    const bundle = join(repoRoot, 'dist', 'electron', 'preload.cjs');
    expect(existsSync(bundle), 'npm run build writes dist/electron/preload.cjs').toBe(true);
    const src = readFileSync(bundle, 'utf8');
    for (const m of METHOD_NAMES) expect(src).toContain(`"${m}"`);
    expect(src).toContain('"vox:"');
    expect(src).not.toMatch(/require\((?!"electron"\))/); // a sandboxed preload may only require electron
    expect(src).not.toContain('sendSync');
  });

  it('converts query strings but refuses nonsense', () => {
    expect(parseInput('getRun', { id: '7' })).toEqual({ id: 7 });
    expect(parseInput('compareRuns', { ids: '3,4' })).toEqual({ ids: [3, 4] });
    expect(() => parseInput('getRun', { id: '7x' })).toThrow(/id/);
    expect(() => parseInput('getRun', { id: -1 })).toThrow(/id/);
    expect(() => parseInput('record', { seconds: 3, label: 'bored' })).toThrow(/label/);
    expect(() => parseInput('listRuns', { x: 1 })).toThrow(/x/);
    const ok = { data: '/d', epochs: 2, batchSize: 8, optimizer: 'sgd', learningRate: 0.01, split: { kind: 'random' }, augmentCopies: 0, snrLow: 15, snrHigh: 30, seed: 1 };
    expect(parseInput('startTraining', ok)).toMatchObject(ok);
    expect(() => parseInput('startTraining', { ...ok, snrHigh: 10 })).toThrow(/SNR/);
    expect(() => parseInput('startTraining', { ...ok, split: { kind: 'speaker', testSpeakers: [''] } })).toThrow(/split/);
    expect(parseInput('startTraining', { ...ok, split: { kind: 'all' } })).toMatchObject({ split: { kind: 'all' } });
    // As `ser train --split all --test-speakers …` is a usage error, the API refuses speaker lists with it.
    expect(() => parseInput('startTraining', { ...ok, split: { kind: 'all', testSpeakers: ['19'] } })).toThrow(/split/);
    expect(() => parseInput('startTraining', { ...ok, split: { kind: 'everything' } })).toThrow(/split/);
  });

  it('the router returns errors as data in the one shape and never calls a handler with bad input', async () => {
    let called = 0;
    const handlers = new Proxy({}, { get: () => () => (called++, 'ok') }) as ApiHandlers;
    const router = createRouter(handlers);
    expect(await router.call('getRun', { id: 'x' })).toMatchObject({ ok: false, error: { code: 'bad-input' } });
    expect(await router.call('rm -rf', {})).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(called).toBe(0);
    expect(await router.call('getRun', { id: 1 })).toEqual({ ok: true, value: 'ok' });
    const failing = createRouter(new Proxy({}, { get: () => () => { throw Object.assign(new Error('no run with id 1'), { code: 'not-found' }); } }) as ApiHandlers);
    expect(await failing.call('getRun', { id: 1 })).toEqual({ ok: false, error: { code: 'not-found', message: 'no run with id 1' } });
  });

  it('the event bus drops events that do not match the contract', () => {
    const bus = new EventBus();
    const got: unknown[] = [];
    bus.subscribe((m) => got.push(m));
    const err = console.error;
    console.error = () => {};
    try {
      bus.emit('training', { event: 'epoch', runId: 1 } as never);
      bus.emit('live', { kind: 'level', t: 1, rms: 0.1, peak: 0.2 });
      bus.emit('training', { event: 'finished', runId: 2, testAccuracy: Number.NaN, uar: null, macroF1: null, epochs: 1, durationMs: 5, modelDir: '/m' });
    } finally {
      console.error = err;
    }
    expect(got).toEqual([{ name: 'live', payload: { kind: 'level', t: 1, rms: 0.1, peak: 0.2 } }]);
  });

  it('a run without a test part (split all) finishes with null test figures, which the contract passes', () => {
    const bus = new EventBus();
    const got: unknown[] = [];
    bus.subscribe((m) => got.push(m));
    const finished = { event: 'finished', runId: 3, testAccuracy: null, uar: null, macroF1: null, epochs: 1, durationMs: 5, modelDir: '/m' } as const;
    bus.emit('training', finished);
    expect(got).toEqual([{ name: 'training', payload: finished }]);
  });
});
