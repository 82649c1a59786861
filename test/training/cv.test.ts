/**
 * `ser cv` for real on the RAVDESS dev subset (4 actors, 2 folds of 2 test actors: each fold trains on one actor
 * and validates on another): the fold runs, the stored summary recomputed from `ser runs show`, the pooled matrix
 * covering every usable file once, the listing, and SIGTERM during fold 2 → `ser cv --resume` completing the group.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runSer, serBin, sharedDir, sharedSkipReason } from '../helpers/ser.js';

const tmp = mkdtempSync(join(tmpdir(), 'ser-cv-'));
const db = join(tmp, 'experiments.db');
const env = { SER_DATA_DIR: join(tmp, 'data') };
const dev = sharedDir ? join(sharedDir, 'data', 'ravdess-dev') : '';
const TINY = ['--model', '{"filters":[4,4,4,4],"lstmUnits":8}', '--augment-copies', '0', '--batch-size', '8'];

type Ev = Record<string, unknown> & { event: string };
const events = (stdout: string): Ev[] => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);

interface Metrics {
  accuracy: number;
  uar: number;
  macroF1: number;
}
interface Finished {
  event: 'finished';
  groupId: number;
  folds: number;
  mean: Metrics;
  sd: Metrics;
  pooled: Metrics & { confusion: number[][] };
  runs: number[];
}
interface RunShow {
  status: string;
  groupId: number | null;
  fold: number | null;
  split: { testSpeakers: string[]; valSpeakers: string[]; trainSpeakers: string[]; testFiles: number };
  evaluations: Array<Metrics & { split: string; confusion: number[][] }>;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));
const sum = (m: number[][]) => m.flat().reduce((a, b) => a + b, 0);

(sharedDir ? describe : describe.skip)('ser cv on the RAVDESS dev subset', () => {
  let fin: Finished;
  let evs: Ev[] = [];
  beforeAll(async () => {
    const r = await runSer(['cv', '--data', dev, '--folds', '2', '--epochs', '2', ...TINY, '--name', 'dev cv', '--db', db, '--json'], { env, timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    evs = events(r.stdout);
    fin = evs.at(-1) as unknown as Finished;
  }, 300_000);

  it('trains one run per fold, forwarding its events tagged with the fold, and ends with the group summary', () => {
    expect(fin).toMatchObject({ event: 'finished', groupId: expect.any(Number), folds: 2, runs: [expect.any(Number), expect.any(Number)] });
    const started = evs.find((e) => e.event === 'cv-started')!;
    expect(started).toMatchObject({ groupId: fin.groupId, folds: 2, toRun: [0, 1], valSpeakers: 1, resumed: false });
    for (const fold of [0, 1]) {
      const foldEvents = evs.filter((e) => e.fold === fold);
      expect(foldEvents.find((e) => e.event === 'started')).toMatchObject({ groupId: fin.groupId, runId: fin.runs[fold], trainSize: 60, valSize: 60, testSize: 120 });
      expect(foldEvents.filter((e) => e.event === 'epoch')).toHaveLength(2);
      expect(foldEvents.at(-1)).toMatchObject({ event: 'finished', runId: fin.runs[fold] });
    }
  });

  it('tests every usable file exactly once, and stores mean ± sd and the pooled matrix computed from the folds', async () => {
    const scan = JSON.parse((await runSer(['dataset', 'scan', dev, '--json', '--no-save'], { env })).stdout) as { usable: number; bySpeaker: Record<string, number> };
    const runs: RunShow[] = [];
    for (const id of fin.runs) {
      const r = await runSer(['runs', 'show', String(id), '--json', '--db', db]);
      expect(r.code, r.stderr).toBe(0);
      runs.push(JSON.parse(r.stdout) as RunShow);
    }
    expect(runs.map((r) => [r.status, r.groupId, r.fold])).toEqual([['completed', fin.groupId, 0], ['completed', fin.groupId, 1]]);
    // Speaker-independent: the test parts partition the speakers, and no fold trains or validates on its test speakers.
    const tested = runs.flatMap((r) => r.split.testSpeakers);
    expect([...tested].sort()).toEqual(Object.keys(scan.bySpeaker).sort());
    for (const r of runs) {
      expect(r.split.valSpeakers).toHaveLength(1);
      expect(r.split.trainSpeakers.filter((s) => r.split.testSpeakers.includes(s) || r.split.valSpeakers.includes(s))).toEqual([]);
    }
    const tests = runs.map((r) => r.evaluations.filter((e) => e.split === 'test').at(-1)!);
    expect(sum(fin.pooled.confusion)).toBe(scan.usable);
    expect(tests.map((t) => sum(t.confusion))).toEqual(runs.map((r) => r.split.testFiles));
    expect(fin.pooled.confusion).toEqual(tests[0]!.confusion.map((row, i) => row.map((v, j) => v + tests[1]!.confusion[i]![j]!)));
    expect(fin.pooled.accuracy).toBeCloseTo(fin.pooled.confusion.reduce((a, row, i) => a + row[i]!, 0) / scan.usable, 12);
    for (const k of ['accuracy', 'uar', 'macroF1'] as const) {
      expect(fin.mean[k]).toBeCloseTo(mean(tests.map((t) => t[k])), 12);
      expect(fin.sd[k]).toBeCloseTo(sd(tests.map((t) => t[k])), 12);
    }

    const show = await runSer(['cv', 'show', String(fin.groupId), '--json', '--db', db]);
    expect(show.code, show.stderr).toBe(0);
    const group = JSON.parse(show.stdout);
    expect(group).toMatchObject({ id: fin.groupId, kind: 'cv', name: 'dev cv', status: 'completed', folds: 2, summary: { mean: fin.mean, sd: fin.sd, pooled: fin.pooled } });
    expect(group.runs.map((r: { runId: number; test: Metrics }) => [r.runId, r.test.accuracy])).toEqual(fin.runs.map((id, k) => [id, tests[k]!.accuracy]));
  }, 60_000);

  it('`ser runs` shows the group as one line with its folds beneath; `ser cv show` prints the table', async () => {
    const r = await runSer(['runs', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.trimStart().startsWith(`cv ${fin.groupId} `));
    expect(lines[at]).toContain('dev cv (2 folds)');
    expect(lines[at]).toContain(`${(100 * fin.mean.accuracy).toFixed(1)}±${(100 * fin.sd.accuracy).toFixed(1)}%`);
    expect(lines[at + 1]).toMatch(new RegExp(`^\\s*${fin.runs[0]}\\s+└ fold 1/2`));
    expect(lines[at + 2]).toMatch(new RegExp(`^\\s*${fin.runs[1]}\\s+└ fold 2/2`));
    const show = await runSer(['cv', 'show', String(fin.groupId), '--db', db]);
    expect(show.stdout).toContain('| mean ± sd |');
    expect(show.stdout).toMatch(/pooled over the 2 folds' test parts \(240 files/);
    const list = await runSer(['cv', 'list', '--db', db]);
    expect(list.stdout).toContain(`cv ${fin.groupId}  dev cv  [completed]  2 folds  accuracy ${(100 * fin.mean.accuracy).toFixed(1)} ± `);
    const listed = JSON.parse((await runSer(['cv', 'list', '--json', '--db', db])).stdout);
    expect(listed.map((g: { id: number }) => g.id)).toContain(fin.groupId);
  });

  it('SIGTERM during fold 2 leaves the group interrupted; `ser cv --resume` continues that fold and completes the group', async () => {
    const child = spawn(process.execPath, [serBin, 'cv', '--data', dev, '--folds', '2', '--epochs', '2', ...TINY, '--batch-size', '4', '--db', db, '--json'], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!child.killed && /"event":"batch"[^\n]*"fold":1/.test(out)) child.kill('SIGTERM');
    });
    const code = await new Promise<number | null>((res) => child.on('close', res));
    expect(code).toBe(130);
    const stopped = events(out);
    expect(stopped.at(-1)).toMatchObject({ event: 'cancelled', interrupted: true });
    const groupId = stopped.at(-1)!.groupId as number;
    const before = JSON.parse((await runSer(['cv', 'show', String(groupId), '--json', '--db', db])).stdout);
    expect(before.status).toBe('interrupted');
    expect(before.runs.map((r: { status: string }) => r.status)).toEqual(['completed', 'interrupted']);

    const resumed = await runSer(['cv', '--resume', String(groupId), '--db', db, '--json'], { env, timeoutMs: 300_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    const evs2 = events(resumed.stdout);
    expect(evs2.find((e) => e.event === 'cv-started')).toMatchObject({ resumed: true, toRun: [1] });
    expect(evs2.filter((e) => e.event === 'started' && e.fold === 0)).toEqual([]);
    const done = evs2.at(-1) as unknown as Finished;
    // The interrupted run itself is continued, not replaced.
    expect(done).toMatchObject({ event: 'finished', groupId, runs: before.runs.map((r: { runId: number }) => r.runId) });
    expect(sum(done.pooled.confusion)).toBe(240);

    const again = await runSer(['cv', '--resume', String(groupId), '--db', db]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is completed; nothing to resume/);
  }, 300_000);

  it('refuses bad input with one line: exit 2 for usage, 1 for what the data cannot do', async () => {
    const noFolds = await runSer(['cv', '--data', dev, '--db', db]);
    expect([noFolds.code, noFolds.stderr.trim()]).toEqual([2, 'ser: --folds <k> is required (or --resume <group id>)']);
    const tooMany = await runSer(['cv', '--data', dev, '--folds', '5', ...TINY, '--db', db], { env });
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr.trim().split('\n')).toEqual([`ser: cross-validation failed: 5 folds need at least 5 speakers; ${dev} has 4`]);
    const fixed = await runSer(['cv', '--resume', String(fin.groupId), '--epochs', '9', '--db', db]);
    expect(fixed.code).toBe(2);
    expect(fixed.stderr).toMatch(/--epochs does not apply with --resume/);
    const split = await runSer(['cv', '--data', dev, '--folds', '2', '--split', 'random', '--db', db]);
    expect(split.code).toBe(2);
    // Listing a database that does not exist is an empty list, and does not create it.
    const none = join(dirname(db), 'none.db');
    expect((await runSer(['cv', 'list', '--db', none])).stdout).toBe('no cross-validations yet\n');
    expect((await runSer(['cv', 'list', '--json', '--db', none])).stdout).toBe('[]\n');
    expect(existsSync(none)).toBe(false);
  });
});
if (!sharedDir) console.warn(`ser cv test skipped: ${sharedSkipReason}`);
