/**
 * Sweeps on a real work queue: a redis-server on a random localhost port (started and stopped here) and two real
 * `ser worker` processes sharing one data folder, on a slice of the RAVDESS dev subset.
 * - 2 recipes × 2 folds finish with 4 trials recorded, each an ordinary run of the coordinator's database;
 * - a worker killed with SIGKILL mid-trial: the trial completes on the other worker and every epoch is recorded once;
 * - cancelling the sweep (Ctrl-C on `ser sweep`) stops its running and queued trials;
 * - the coordinator killed mid-sweep (its workers train on, unrecorded): `ser sweep --resume` retires the orphaned
 *   jobs and finishes every trial with each epoch recorded once.
 * Skipped, with the reason, without redis-server, without the ioredis package, or without SER_SHARED.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devSlice } from '../helpers/devSlice.js';
import { redisSkipReason, startRedis, until, type RedisServer } from '../helpers/redis.js';
import { repoRoot, runSer, serBin, sharedDir, sharedSkipReason } from '../helpers/ser.js';

const skipReason = redisSkipReason ?? (!sharedDir ? sharedSkipReason : undefined);

const tmp = mkdtempSync(join(tmpdir(), 'ser-sweepq-'));
const db = join(tmp, 'experiments.db');
const env = { SER_DATA_DIR: join(tmp, 'data') };
const TINY = ['--model', '{"filters":[4,4,4,4],"lstmUnits":8}', '--augment-copies', '0', '--batch-size', '8'];
const GRID = '{"lr":[0.01,0.001],"optimizer":["adam"]}';

type Ev = Record<string, unknown> & { event: string };
const lines = (s: string): Ev[] => s.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Ev);

interface Proc {
  child: ChildProcess;
  out: () => string;
}
function start(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(process.execPath, [serBin, ...args], { cwd: repoRoot, env: { ...process.env, ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  return { child, out: () => out };
}
const exited = (p: Proc) => new Promise<number | null>((res) => (p.child.exitCode !== null ? res(p.child.exitCode) : p.child.on('close', res)));

(skipReason ? describe.skip : describe)('ser sweep --queue with two ser workers', () => {
  let redis: RedisServer | undefined;
  let queue = '';
  let data = '';
  const workers: Proc[] = [];
  const startWorker = async () => {
    const w = start(['worker', '--queue', queue, '--lock-duration', '3000', '--json']);
    workers.push(w);
    await until(() => w.out().includes('"worker-ready"'), 30_000, 'a worker to be ready');
    return w;
  };
  const workerName = (w: Proc) => (lines(w.out()).find((e) => e.event === 'worker-ready')!.worker as string);

  beforeAll(async () => {
    data = devSlice(join(sharedDir!, 'data', 'ravdess-dev'), join(tmp, 'slice'), 12);
    redis = await startRedis();
    queue = redis.url;
    await startWorker();
    await startWorker();
  }, 60_000);

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    redis?.stop();
  });

  it('2 recipes × 2 folds: 4 trials trained by the workers, recorded as runs of the coordinator\'s database', async () => {
    const r = await runSer(['sweep', '--data', data, '--grid', GRID, '--folds', '2', '--epochs', '1', ...TINY, '--queue', queue, '--name', 'queued', '--db', db, '--json'], { env, timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    const evs = lines(r.stdout);
    expect(evs.at(-1)).toMatchObject({ event: 'finished', status: 'completed', trials: 4, completed: 4 });
    expect(evs.find((e) => e.event === 'sweep-started')).toMatchObject({ queue, trials: 4 });
    expect(evs.filter((e) => e.event === 'epoch')).toHaveLength(4); // every epoch streamed back live
    const d = JSON.parse((await runSer(['sweep', 'show', String(evs.at(-1)!.sweepId), '--json', '--db', db])).stdout);
    expect(d.trials.map((t: { status: string }) => t.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    const names = workers.map(workerName);
    for (const t of d.trials) {
      expect(names).toContain(t.worker);
      const run = JSON.parse((await runSer(['runs', 'show', String(t.runId), '--json', '--db', db])).stdout);
      expect(run).toMatchObject({ status: 'completed', config: { learningRate: t.params.lr } });
      expect(run.evaluations.filter((e: { split: string }) => e.split === 'test')).toHaveLength(1);
      // The exported model came back through the queue and is usable here.
      const cls = await runSer(['classify', '--model', String(t.runId), join(data, 'Actor_01', (await import('node:fs')).readdirSync(join(data, 'Actor_01'))[0]!), '--db', db, '--json'], { env });
      expect(cls.code, cls.stderr).toBe(0);
    }
  }, 120_000);

  it('a worker killed mid-trial: the trial completes on the other worker, each epoch recorded once', async () => {
    const sweep = start(['sweep', '--data', data, '--grid', '{"lr":[0.01]}', '--epochs', '3', ...TINY, '--batch-size', '4', '--queue', queue, '--db', db, '--json']);
    await until(() => lines(sweep.out()).some((e) => e.event === 'epoch'), 60_000, 'the first epoch');
    const started = lines(sweep.out()).find((e) => e.event === 'trial-started')!;
    const victim = workers.find((w) => workerName(w) === started.worker)!;
    victim.child.kill('SIGKILL');
    expect(await exited(sweep)).toBe(0);
    const evs = lines(sweep.out());
    const fin = evs.at(-1)!;
    expect(fin).toMatchObject({ event: 'finished', status: 'completed', completed: 1 });
    const restarts = evs.filter((e) => e.event === 'trial-started');
    expect(restarts.map((e) => e.attempt)).toEqual([1, 2]);
    expect(restarts[1]!.worker).not.toBe(started.worker);
    const d = JSON.parse((await runSer(['sweep', 'show', String(fin.sweepId), '--json', '--db', db])).stdout);
    expect(d.trials[0]).toMatchObject({ status: 'completed', worker: restarts[1]!.worker });
    const run = JSON.parse((await runSer(['runs', 'show', String(d.trials[0].runId), '--json', '--db', db])).stdout);
    expect(run.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([0, 1, 2]);
    expect(run.evaluations.filter((e: { split: string }) => e.split === 'val').map((e: { epoch: number }) => e.epoch)).toEqual([0, 1, 2]);
    expect(run.evaluations.filter((e: { split: string }) => e.split === 'test')).toHaveLength(1);
    await startWorker(); // two again for the next test
  }, 120_000);

  it('Ctrl-C on the sweep cancels its running trials on the workers and drops the queued ones', async () => {
    const sweep = start(['sweep', '--data', data, '--grid', GRID, '--folds', '2', '--epochs', '20', ...TINY, '--batch-size', '4', '--queue', queue, '--db', db, '--json']);
    await until(() => lines(sweep.out()).some((e) => e.event === 'epoch'), 60_000, 'a first epoch');
    sweep.child.kill('SIGINT');
    expect(await exited(sweep)).toBe(130);
    const last = lines(sweep.out()).at(-1)!;
    expect(last).toMatchObject({ event: 'cancelled' });
    const d = JSON.parse((await runSer(['sweep', 'show', String(last.sweepId), '--json', '--db', db])).stdout);
    expect(d.status).toBe('cancelled');
    expect(d.trials.map((t: { status: string }) => t.status)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    await until(() => workers.some((w) => w.out().includes('"trial-cancelled"')), 20_000, 'a worker to stop its trial');
  }, 120_000);

  it('--resume after the coordinator was killed: its orphaned jobs retired, every trial finished with each epoch recorded once', async () => {
    // Long enough that a worker is usually still training an orphaned job when the resume retires it (stopped, then
    // removed); one that finished meanwhile is removed. The new job continues from the trial's checkpoint only if it is
    // not ahead of the epochs recorded here (usually it is: the trial starts over).
    const sweep = start(['sweep', '--data', data, '--grid', '{"lr":[0.01]}', '--folds', '2', '--epochs', '6', ...TINY, '--batch-size', '4', '--queue', queue, '--name', 'orphaned', '--db', db, '--json']);
    await until(() => lines(sweep.out()).some((e) => e.event === 'checkpoint' && e.best === false), 60_000, 'a first checkpoint');
    sweep.child.kill('SIGKILL'); // the workers train on; nobody records what they report
    await exited(sweep);
    const id = lines(sweep.out()).find((e) => e.event === 'sweep-started')!.sweepId;
    const r = await runSer(['sweep', '--resume', String(id), '--queue', queue, '--db', db, '--json'], { env, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const evs = lines(r.stdout);
    expect(evs.find((e) => e.event === 'sweep-started')).toMatchObject({ sweepId: id, resumed: true, trials: 2, toRun: 2, queue });
    expect(evs.at(-1)).toMatchObject({ event: 'finished', sweepId: id, status: 'completed', completed: 2 });
    const d = JSON.parse((await runSer(['sweep', 'show', String(id), '--json', '--db', db])).stdout);
    expect(d.trials.map((t: { status: string }) => t.status)).toEqual(['completed', 'completed']);
    for (const t of d.trials) {
      const run = JSON.parse((await runSer(['runs', 'show', String(t.runId), '--json', '--db', db])).stdout);
      expect(run.status).toBe('completed');
      expect(run.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(run.evaluations.filter((e: { split: string }) => e.split === 'val').map((e: { epoch: number }) => e.epoch)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(run.evaluations.filter((e: { split: string }) => e.split === 'test')).toHaveLength(1);
    }
  }, 150_000);
});

if (skipReason) it.skip(`ser sweep --queue: ${skipReason}`, () => undefined);
