/**
 * `ser sweep` trained here, on a slice of the RAVDESS dev subset (4 actors, 12 clips each): 2 recipes × 2 folds
 * recorded as 4 trials whose runs are ordinary runs; `ser sweep show --json`'s exact shape and its per-recipe
 * summary; recipes the training options schema refuses are usage errors before anything is recorded; Ctrl-C cancels;
 * `ser sweep cancel` from another process cancels; SIGTERM interrupts resumably; a sweep whose process was killed
 * resumes with `--resume` (completed trials kept, the interrupted one continued from its checkpoint, the rest trained).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { devSlice } from '../helpers/devSlice.js';
import { repoRoot, runSer, serBin, sharedDir, sharedSkipReason } from '../helpers/ser.js';

const tmp = mkdtempSync(join(tmpdir(), 'ser-sweep-'));
const db = join(tmp, 'experiments.db');
const env = { SER_DATA_DIR: join(tmp, 'data') };
const data = sharedDir ? devSlice(join(sharedDir, 'data', 'ravdess-dev'), join(tmp, 'slice'), 12) : '';
const TINY = ['--epochs', '1', '--model', '{"filters":[4,4,4,4],"lstmUnits":8}', '--augment-copies', '0', '--batch-size', '8'];
const GRID = '{"lr":[0.01,0.001],"optimizer":["adam"]}';

type Ev = Record<string, unknown> & { event: string };
const events = (stdout: string): Ev[] => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);

/** `ser sweep …` in the background, its JSON events collected as they come. */
function startSweep(args: string[]) {
  const child = spawn(process.execPath, [serBin, 'sweep', ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.resume();
  const code = new Promise<number | null>((res) => child.on('close', (c, signal) => res(signal ? null : c)));
  return { child, code, events: () => events(out.slice(0, out.lastIndexOf('\n') + 1)) };
}
async function until<T>(get: () => T | undefined, ms: number, what: string): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const show = async (id: unknown) => JSON.parse((await runSer(['sweep', 'show', String(id), '--json', '--db', db])).stdout);

(sharedDir ? describe : describe.skip)('ser sweep, trials trained here', () => {
  let evs: Ev[] = [];
  let sweepId = 0;
  beforeAll(async () => {
    const r = await runSer(['sweep', '--data', data, '--grid', GRID, '--folds', '2', ...TINY, '--name', 'lr', '--db', db, '--json'], { env, timeoutMs: 150_000 });
    expect(r.code, r.stderr).toBe(0);
    evs = events(r.stdout);
    sweepId = evs.at(-1)!.sweepId as number;
  }, 150_000);

  it('records 2 recipes × 2 folds as 4 completed trials, each an ordinary run, and ends with the summary', async () => {
    expect(evs.find((e) => e.event === 'sweep-started')).toMatchObject({ sweepId, name: 'lr', trials: 4, recipes: 2, folds: 2, queue: null });
    const fin = evs.at(-1)!;
    expect(fin).toMatchObject({ event: 'finished', sweepId, status: 'completed', trials: 4, completed: 4, failed: 0 });
    const show = await runSer(['sweep', 'show', String(sweepId), '--json', '--db', db]);
    expect(show.code, show.stderr).toBe(0);
    const d = JSON.parse(show.stdout);
    expect(Object.keys(d)).toEqual(['id', 'name', 'status', 'trials', 'summary']);
    expect(d).toMatchObject({ id: sweepId, name: 'lr', status: 'completed' });
    expect(d.trials).toHaveLength(4);
    for (const t of d.trials) expect(Object.keys(t)).toEqual(['id', 'params', 'fold', 'status', 'worker', 'runId', 'bestValAccuracy', 'testAccuracy', 'uar']);
    expect(d.trials.map((t: { params: unknown; fold: number; status: string }) => [t.params, t.fold, t.status])).toEqual([
      [{ lr: 0.01, optimizer: 'adam' }, 0, 'completed'],
      [{ lr: 0.01, optimizer: 'adam' }, 1, 'completed'],
      [{ lr: 0.001, optimizer: 'adam' }, 0, 'completed'],
      [{ lr: 0.001, optimizer: 'adam' }, 1, 'completed'],
    ]);
    // Every trial's run is an ordinary run with that recipe and the fold's speaker split, and its test UAR is the trial's.
    for (const t of d.trials) {
      const run = JSON.parse((await runSer(['runs', 'show', String(t.runId), '--json', '--db', db])).stdout);
      expect(run).toMatchObject({ status: 'completed', config: { learningRate: t.params.lr, optimizer: 'adam', split: { kind: 'speaker', folds: 2, fold: t.fold } } });
      expect(run.evaluations.filter((e: { split: string }) => e.split === 'test').at(-1).uar).toBe(t.uar);
    }
    // Same folds for every recipe: fold k tests on the same speakers whatever the learning rate.
    const speakers = async (id: number) => JSON.parse((await runSer(['runs', 'show', String(id), '--json', '--db', db])).stdout).split.testSpeakers;
    expect(await speakers(d.trials[0].runId)).toEqual(await speakers(d.trials[2].runId));
    expect(Object.keys(d.summary[0])).toEqual(['params', 'folds', 'meanUar', 'sdUar', 'meanAccuracy']);
    const uars = d.trials.slice(0, 2).map((t: { uar: number }) => t.uar);
    expect(d.summary[0]).toMatchObject({ params: { lr: 0.01, optimizer: 'adam' }, folds: 2 });
    expect(d.summary[0].meanUar).toBeCloseTo((uars[0] + uars[1]) / 2, 12);
    expect(d.summary[0].sdUar).toBeCloseTo(Math.abs(uars[0] - uars[1]) / Math.SQRT2, 12);
    const list = await runSer(['sweep', 'list', '--db', db]);
    expect(list.stdout).toContain(`sweep ${sweepId}  lr  [completed]  4 trials, 2 fold(s)`);
  }, 60_000);

  it('refuses a recipe the training options schema refuses, or a parameter it cannot vary, recording nothing', async () => {
    const bad = await runSer(['sweep', '--data', data, '--grid', '{"lr":[0.01,50]}', ...TINY, '--db', join(tmp, 'bad.db')], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/parameter lr=50: .*10/);
    const unknown = await runSer(['sweep', '--data', data, '--grid', '{"workers":[1,2]}', ...TINY, '--db', join(tmp, 'bad.db')], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/cannot vary 'workers'/);
    // --model is checked key by key against the model's own knobs, and the refusal names the key.
    const noTiny = TINY.filter((a, i) => a !== '--model' && TINY[i - 1] !== '--model');
    for (const [model, why] of [
      ['{"bidirectional":"yes"}', /--model: bidirectional: /],
      ['{"filtres":[4,4,4,4]}', /--model: filtres: /],
      ['{"convDropout":1}', /--model: convDropout: /],
    ] as const) {
      const r = await runSer(['sweep', '--data', data, '--grid', '{"seed":[1]}', ...noTiny, '--model', model, '--db', join(tmp, 'bad.db')], { env });
      expect(r.code, model).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr, model).toMatch(why);
    }
    expect((await runSer(['sweep', 'list', '--db', join(tmp, 'bad.db')])).stdout).toBe('no sweeps yet\n');
  });

  it('Ctrl-C cancels the running trial and drops the queued ones', async () => {
    const child = spawn(process.execPath, [serBin, 'sweep', '--data', data, '--grid', GRID, '--folds', '2', ...TINY, '--epochs', '3', '--batch-size', '4', '--db', db, '--json'], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!child.killed && /"event":"epoch"/.test(out)) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((res) => child.on('close', res));
    expect(code).toBe(130);
    const last = events(out).at(-1)!;
    expect(last).toMatchObject({ event: 'cancelled' });
    const d = JSON.parse((await runSer(['sweep', 'show', String(last.sweepId), '--json', '--db', db])).stdout);
    expect(d.status).toBe('cancelled');
    expect(d.trials.map((t: { status: string }) => t.status)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    const run = JSON.parse((await runSer(['runs', 'show', String(d.trials[0].runId), '--json', '--db', db])).stdout);
    expect(run.status).toBe('cancelled');
  }, 120_000);

  it('SIGTERM (a service manager, a session ending) interrupts: the running trial is continued by --resume, not retrained', async () => {
    const sweep = startSweep(['--data', data, '--grid', GRID, '--folds', '2', ...TINY, '--epochs', '3', '--parallel', '1', '--name', 'term', '--db', db, '--json']);
    const first = await until(() => sweep.events().find((e) => e.event === 'checkpoint' && e.best === false), 90_000, "the first trial's first checkpoint");
    sweep.child.kill('SIGTERM');
    expect(await sweep.code).toBe(130);
    const before = sweep.events();
    expect(before.at(-1)).toEqual({ event: 'cancelled', sweepId: first.sweepId, interrupted: true });
    const runId = before.find((e) => e.event === 'started' && e.trialId === first.trialId)!.runId;
    const d = await show(first.sweepId);
    expect(d.status).toBe('interrupted');
    // The running trial is shown interrupted, as its run is: it waits at its checkpoint; the others never started.
    expect(d.trials.map((t: { status: string }) => t.status)).toEqual(['interrupted', 'cancelled', 'cancelled', 'cancelled']);
    expect(JSON.parse((await runSer(['runs', 'show', String(runId), '--json', '--db', db])).stdout).status).toBe('interrupted');
    const listed = JSON.parse((await runSer(['sweep', 'list', '--json', '--db', db])).stdout).find((s: { id: number }) => s.id === first.sweepId);
    expect(listed.counts).toMatchObject({ interrupted: 1, cancelled: 3, running: 0, completed: 0 });

    const r = await runSer(['sweep', '--resume', String(first.sweepId), '--db', db, '--json'], { env, timeoutMs: 150_000 });
    expect(r.code, r.stderr).toBe(0);
    const evs = events(r.stdout);
    expect(evs.find((e) => e.event === 'sweep-started')).toMatchObject({ sweepId: first.sweepId, resumed: true, toRun: 4 });
    const resumed = evs.find((e) => e.event === 'started' && e.trialId === first.trialId)!;
    expect(resumed).toMatchObject({ runId, resumed: true });
    expect(resumed.startEpoch).toBeGreaterThanOrEqual(1);
    expect(evs.at(-1)).toMatchObject({ event: 'finished', sweepId: first.sweepId, status: 'completed', completed: 4 });
    const run = JSON.parse((await runSer(['runs', 'show', String(runId), '--json', '--db', db])).stdout);
    expect(run.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([0, 1, 2]);
  }, 240_000);

  it('ser sweep cancel, from another process, stops a running sweep the same way', async () => {
    // Long trials: the request takes a second or two to be seen, and no trial may finish meanwhile.
    const sweep = startSweep(['--data', data, '--grid', GRID, '--folds', '2', ...TINY, '--epochs', '30', '--batch-size', '4', '--db', db, '--json']);
    const started = await until(() => sweep.events().find((e) => e.event === 'epoch'), 90_000, 'a first epoch');
    const r = await runSer(['sweep', 'cancel', String(started.sweepId), '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`sweep ${started.sweepId}: asked the process running it to stop…\nsweep ${started.sweepId} cancelled\n`);
    expect(await sweep.code).toBe(130);
    expect(sweep.events().at(-1)).toMatchObject({ event: 'cancelled', sweepId: started.sweepId });
    const d = await show(started.sweepId);
    expect(d.status).toBe('cancelled');
    expect(d.trials.map((t: { status: string }) => t.status)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    // Nothing left to cancel, or to cancel again.
    const again = await runSer(['sweep', 'cancel', String(started.sweepId), '--json', '--db', db]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ id: started.sweepId, status: 'cancelled' });
    const done = await runSer(['sweep', 'cancel', String(sweepId), '--db', db]);
    expect(done.code).toBe(1);
    expect(done.stderr).toMatch(new RegExp(`sweep ${sweepId} is completed; nothing to cancel`));
  }, 120_000);

  it('--resume after the sweep\'s process was killed: completed trials kept, the interrupted one continued from its checkpoint', async () => {
    // One trial at a time, so when the second trial has a checkpoint the first is done and two have not started.
    const sweep = startSweep(['--data', data, '--grid', GRID, '--folds', '2', ...TINY, '--epochs', '3', '--parallel', '1', '--name', 'killed', '--db', db, '--json']);
    const trialIds = () => sweep.events().filter((e) => e.event === 'trial-started').map((e) => e.trialId);
    await until(() => (trialIds().length >= 2 ? sweep.events().find((e) => e.event === 'checkpoint' && e.trialId === trialIds()[1] && e.best === false) : undefined), 90_000, "the second trial's first checkpoint");
    sweep.child.kill('SIGKILL');
    await sweep.code;
    const before = sweep.events();
    const id = before.find((e) => e.event === 'sweep-started')!.sweepId;
    const [first, second] = trialIds();
    const secondRun = before.find((e) => e.event === 'started' && e.trialId === second)!.runId;

    const killed = await show(id);
    expect(killed.status).toBe('interrupted'); // the process is gone: the store says so when it is next opened
    // The trial its dead process left `running` is shown as its run is now: interrupted.
    expect(killed.trials.map((t: { status: string }) => t.status)).toEqual(['completed', 'interrupted', 'queued', 'queued']);

    // Only where trials train may change on resume; a completed sweep has nothing to resume.
    const bad = await runSer(['sweep', '--resume', String(id), '--epochs', '5', '--db', db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--epochs does not apply with --resume/);
    const complete = await runSer(['sweep', '--resume', String(sweepId), '--db', db], { env });
    expect(complete.code).toBe(1);
    expect(complete.stderr).toMatch(new RegExp(`sweep ${sweepId} is completed; nothing to resume`));

    const r = await runSer(['sweep', '--resume', String(id), '--db', db, '--json'], { env, timeoutMs: 150_000 });
    expect(r.code, r.stderr).toBe(0);
    const evs = events(r.stdout);
    expect(evs.find((e) => e.event === 'sweep-started')).toMatchObject({ sweepId: id, name: 'killed', trials: 4, resumed: true, toRun: 3 });
    expect(evs.filter((e) => e.event === 'trial-started').map((e) => e.trialId)).not.toContain(first);
    // The interrupted trial continues its own run from its checkpoint (epoch 2, or later if the kill came late), on its second attempt.
    expect(evs.find((e) => e.event === 'trial-started' && e.trialId === second)).toMatchObject({ attempt: 2 });
    const resumed = evs.find((e) => e.event === 'started' && e.trialId === second)!;
    expect(resumed).toMatchObject({ runId: secondRun, resumed: true });
    expect(resumed.startEpoch).toBeGreaterThanOrEqual(1);
    expect(evs.at(-1)).toMatchObject({ event: 'finished', sweepId: id, status: 'completed', trials: 4, completed: 4 });
    const d = await show(id);
    expect(d.status).toBe('completed');
    expect(d.trials.map((t: { status: string }) => t.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(d.trials[0].runId).toBe(killed.trials[0].runId);
    expect(d.trials[1].runId).toBe(secondRun);
    const run = JSON.parse((await runSer(['runs', 'show', String(secondRun), '--json', '--db', db])).stdout);
    expect(run.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([0, 1, 2]);
    expect(d.summary.every((s: { folds: number }) => s.folds === 2)).toBe(true);
  }, 240_000);
});

if (!sharedDir) it.skip(`ser sweep: ${sharedSkipReason}`, () => undefined);
