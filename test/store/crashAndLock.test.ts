/**
 * Real processes against a real SQLite file: a writer SIGKILLed mid-training, and a second process
 * meeting a write lock held by the first.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SerError } from '../../electron/shared/errors.js';
import { openStore } from '../../electron/engine/store/store.js';
import { startFixture, type Fixture } from './fixtures/spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'ser-store-proc-'));
const running: Fixture[] = [];
afterEach(() => {
  for (const f of running.splice(0)) if (f.child.exitCode === null && f.child.signalCode === null) f.child.kill('SIGKILL');
});

function start(name: string, args: string[]): Fixture {
  const f = startFixture(name, args);
  running.push(f);
  return f;
}

describe('crash safety', () => {
  it('a writer killed with SIGKILL leaves a consistent file, all reported epochs, and an interrupted run', async () => {
    const path = join(dir, 'crash.db');
    const writer = start('writer.ts', [path]);
    const header = await writer.waitFor((l) => l.startsWith('run '));
    const [, runId, , pid] = header.split(' ').map(Number);
    expect(pid).toBe(writer.child.pid);

    const EPOCHS_BEFORE_KILL = 8;
    await writer.waitFor((_, all) => all.filter((l) => l.startsWith('epoch ')).length >= EPOCHS_BEFORE_KILL);
    writer.child.kill('SIGKILL');
    const exit = await writer.exited;
    expect(exit.signal).toBe('SIGKILL');
    const reported = writer.lines.filter((l) => l.startsWith('epoch ')).map((l) => Number(l.slice(6)));
    expect(reported.length).toBeGreaterThanOrEqual(EPOCHS_BEFORE_KILL);

    // The killed process had no chance to checkpoint: its commits live in the WAL.
    expect(existsSync(`${path}-wal`)).toBe(true);
    // Before our code touches it, SQLite itself finds the file sound and the run still 'running'.
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((raw.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as { status: string }).status).toBe('running');
    raw.close();

    const store = openStore(path);
    try {
      expect(store.interruptedOnOpen).toEqual([runId]);
      expect(store.integrityCheck()).toBe('ok');
      const run = store.runs.require(runId);
      expect(run.status).toBe('interrupted');
      expect(run.pid).toBe(pid);
      expect(run.error).toContain(String(pid));
      const epochs = store.runs.epochs(runId).map((e) => e.epoch);
      // Every epoch the writer reported (it prints after the commit) is there, in order, with no gap.
      for (const e of reported) expect(epochs).toContain(e);
      expect(epochs).toEqual(Array.from({ length: epochs.length }, (_, i) => i));
      // ended_at = last sign of life (last epoch), not the time we noticed.
      const last = store.runs.epochs(runId).at(-1)!;
      expect(run.endedAt).toBe(last.createdAt);
    } finally {
      store.close();
    }
    // A second open does not touch it again.
    const again = openStore(path);
    expect(again.interruptedOnOpen).toEqual([]);
    again.close();
  });

  it('a run owned by a live process is not marked interrupted by another process opening the file', async () => {
    const path = join(dir, 'alive.db');
    const writer = start('writer.ts', [path]);
    const header = await writer.waitFor((l) => l.startsWith('run '));
    const runId = Number(header.split(' ')[1]);
    await writer.waitFor((l) => l === 'epoch 2');
    const store = openStore(path);
    try {
      expect(store.interruptedOnOpen).toEqual([]);
      expect(store.runs.require(runId).status).toBe('running');
      // Deleting a run a live process is driving is refused.
      expect(() => store.runs.delete(runId)).toThrow(/stop it before deleting/);
    } finally {
      store.close();
      writer.child.kill('SIGKILL');
      await writer.exited;
    }
  });
});

describe('locks between processes', () => {
  it('waits out a short lock held by another process', async () => {
    const path = join(dir, 'short-lock.db');
    openStore(path).close();
    const locker = start('locker.ts', [path, '2000']);
    await locker.waitFor((l) => l.startsWith('locked'));
    const t0 = performance.now();
    const store = openStore(path, { busyTimeoutMs: 10_000 });
    const waited = performance.now() - t0;
    try {
      expect(waited).toBeGreaterThan(100); // it did have to wait for the holder
      expect(store.runs.list().map((r) => r.name)).toContain('written under lock');
    } finally {
      store.close();
    }
    await locker.waitFor((l) => l === 'released');
  });

  it('gives up after busy_timeout and names the process that holds the lock; reads keep working', async () => {
    const path = join(dir, 'long-lock.db');
    const reader = openStore(path, { busyTimeoutMs: 1000, clientName: 'test reader' });
    const before = reader.runs.create({ name: 'before the lock', config: {} });
    const locker = start('locker.ts', [path, '20000']);
    const line = await locker.waitFor((l) => l.startsWith('locked'));
    const holderPid = Number(line.split(' ')[1]);
    expect(holderPid).toBe(locker.child.pid);
    try {
      // WAL: reading while another process writes is fine.
      expect(reader.runs.get(before.id)?.name).toBe('before the lock');
      // Writing waits ~busy_timeout, then fails clearly.
      const t0 = performance.now();
      let err: unknown;
      try {
        reader.runs.addTags(before.id, ['x']);
      } catch (e) {
        err = e;
      }
      const waited = performance.now() - t0;
      expect(err).toBeInstanceOf(SerError);
      expect((err as SerError).code).toBe('db-locked');
      expect((err as SerError).message).toContain(`pid ${holderPid}`);
      expect((err as SerError).message).toContain('lock-test holder');
      expect((err as SerError).message).toContain(path);
      expect(waited).toBeGreaterThan(800);
      // Opening a new store (which writes: client registry, recovery) reports the same.
      expect(() => openStore(path, { busyTimeoutMs: 300 })).toThrow(new RegExp(`locked by pid ${holderPid}`));
      // The failed write changed nothing.
      expect(reader.runs.require(before.id).tags).toEqual([]);
    } finally {
      locker.child.kill('SIGKILL');
      await locker.exited;
    }
    // The killed holder's transaction is rolled back; the file is sound and writable again.
    reader.runs.addTags(before.id, ['after']);
    expect(reader.runs.list().map((r) => r.name)).not.toContain('written under lock');
    expect(reader.integrityCheck()).toBe('ok');
    reader.close();
  });
});
