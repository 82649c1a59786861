/** The `ser runs` contract, run as a user runs it (built CLI, real SQLite file in a temp dir). */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { EMOTIONS } from '../electron/shared/labels.js';
import { LATEST_VERSION } from '../electron/engine/store/migrations.js';
import { openStore } from '../electron/engine/store/store.js';
import { runSer, serBin } from './helpers/ser.js';

const hasScript = spawnSync('script', ['--version']).status === 0;

const dir = mkdtempSync(join(tmpdir(), 'ser-cli-runs-'));
const db = join(dir, 'experiments.db');
const ids: Record<string, number> = {};

beforeAll(async () => {
  const s = openStore(db);
  const done = s.runs.create({ name: 'paper baseline', config: { epochs: 5, lr: 0.001 }, seed: 7, backend: 'tensorflow', tags: ['paper'] });
  s.runs.setStatus(done.id, 'running');
  for (let e = 0; e < 5; e++) {
    s.runs.addEpoch(done.id, { epoch: e, trainLoss: 2 - e * 0.3, trainAccuracy: 0.2 + e * 0.1, valLoss: 2.1 - e * 0.3, valAccuracy: 0.15 + e * 0.1, learningRate: 0.001, durationMs: 1000, samplesPerSec: 50 });
  }
  s.evaluations.add({
    runId: done.id,
    split: 'test',
    epoch: 4,
    accuracy: 0.5,
    uar: 0.49,
    macroF1: 0.48,
    weightedF1: 0.5,
    confusion: EMOTIONS.map((_, i) => EMOTIONS.map((_, j) => (i === j ? 4 : 1))),
    perClass: EMOTIONS.map((label) => ({ label, precision: 0.5, recall: 0.5, f1: 0.5, support: 11 })),
  });
  s.runs.setStatus(done.id, 'completed');
  ids.done = done.id;
  await new Promise((r) => setTimeout(r, 10));
  // Left 'running' by this (test) process: from the CLI's point of view its owner is alive, so it stays running.
  const live = s.runs.create({ name: 'still running', config: {}, backend: 'wasm', status: 'running' });
  ids.live = live.id;
  await new Promise((r) => setTimeout(r, 10));
  ids.queued = s.runs.create({ name: 'next', config: {} }).id;
  s.close();
});

const KEYS = ['id', 'name', 'status', 'kind', 'epochsDone', 'bestValAccuracy', 'testAccuracy', 'durationMs', 'backend', 'startedAt'];

describe('ser runs', () => {
  it('--json prints runs newest first with exactly the contract keys', async () => {
    const r = await runSer(['runs', '--json', '--db', db]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(list.map((x) => x.id)).toEqual([ids.queued, ids.live, ids.done]);
    for (const item of list) {
      expect(Object.keys(item).sort()).toEqual([...KEYS].sort());
      expect(Number.isInteger(item.id)).toBe(true);
      if (item.startedAt !== null) expect(new Date(item.startedAt as string).toISOString()).toBe(item.startedAt);
    }
    expect(list[2]).toMatchObject({ name: 'paper baseline', status: 'completed', epochsDone: 5, bestValAccuracy: 0.55, testAccuracy: 0.5, backend: 'tensorflow' });
    expect(typeof list[2].durationMs).toBe('number');
    expect(list[0]).toMatchObject({ status: 'queued', epochsDone: 0, bestValAccuracy: null, testAccuracy: null, durationMs: null, backend: null, startedAt: null });
    expect(list[1]).toMatchObject({ status: 'running', backend: 'wasm' });
  });

  it('reads SER_DB when --db is not given', async () => {
    const r = await runSer(['runs', '--json'], { env: { SER_DB: db } });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as unknown[]).length).toBe(3);
  });

  it('prints an aligned table for humans', async () => {
    const r = await runSer(['runs', '--db', db]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STATUS\s+EPOCHS\s+BEST VAL\s+TEST\s+DURATION\s+BACKEND\s+STARTED$/);
    // Every row's STATUS column starts where the header's does.
    const col = lines[0].indexOf('STATUS');
    for (const l of lines.slice(1)) expect(l.slice(col)).toMatch(/^(queued|running|completed)\s/);
    expect(r.stdout).toContain('55.0%');
  });

  it('an empty or missing database lists nothing and creates nothing', async () => {
    const missing = join(dir, 'missing.db');
    const r = await runSer(['runs', '--json', '--db', missing]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    const show = await runSer(['runs', 'show', '1', '--db', missing]);
    expect(show.code).toBe(1);
    expect(show.stderr).toContain('no run with id 1');
    expect(existsSync(missing)).toBe(false);
  });

  it('show --json gives the run with its config, epochs and evaluations', async () => {
    const r = await runSer(['runs', 'show', String(ids.done), '--json', '--db', db]);
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout) as Record<string, unknown> & { epochs: Array<{ epoch: number }>; evaluations: Array<{ split: string; confusion: number[][] }> };
    expect(run).toMatchObject({ id: ids.done, name: 'paper baseline', config: { epochs: 5, lr: 0.001 }, seed: 7, tags: ['paper'] });
    expect(run.epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3, 4]);
    expect(run.evaluations).toHaveLength(1);
    expect(run.evaluations[0].confusion).toHaveLength(8);
  });

  it('show prints config and an epochs table', async () => {
    const r = await runSer(['runs', 'show', String(ids.done), '--db', db]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('paper baseline');
    expect(r.stdout).toContain('"lr": 0.001');
    expect(r.stdout).toMatch(/epochs \(5\)/);
    expect(r.stdout).toMatch(/test\s+epoch 4: accuracy 50\.0%/);
  });

  it('export --format csv: a header then one row per epoch', async () => {
    const r = await runSer(['runs', 'export', String(ids.done), '--format', 'csv', '--db', db]);
    expect(r.code).toBe(0);
    const rows = r.stdout.trimEnd().split('\n');
    expect(rows[0]).toBe('run_id,epoch,train_loss,train_accuracy,val_loss,val_accuracy,learning_rate,duration_ms,samples_per_sec,created_at');
    expect(rows).toHaveLength(6);
    expect(rows[1].split(',').slice(0, 2)).toEqual([String(ids.done), '0']);
    expect(rows.every((l) => l.split(',').length === 10)).toBe(true);
    const json = await runSer(['runs', 'export', String(ids.done), '--format', 'json', '--db', db]);
    expect((JSON.parse(json.stdout) as { epochs: unknown[] }).epochs).toHaveLength(5);
    const bad = await runSer(['runs', 'export', String(ids.done), '--format', 'xml', '--db', db]);
    expect(bad.code).toBe(2);
  });

  it('unknown id → exit 1 "no run with id N"; a malformed id is a usage error', async () => {
    const cases = [['show', '424242'], ['export', '424242'], ['delete', '424242', '--yes'], ['tag', '424242', 'x'], ['note', '424242', 'hi']];
    const results = await Promise.all(cases.map((args) => runSer(['runs', ...args, '--db', db])));
    results.forEach((r, i) => {
      expect(r.code, cases[i].join(' ')).toBe(1);
      expect(r.stderr).toContain('no run with id 424242');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });
    const [bad, unknown] = await Promise.all([runSer(['runs', 'show', 'abc', '--db', db]), runSer(['runs', 'frobnicate', '--db', db])]);
    expect(bad.code).toBe(2);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown runs command 'frobnicate'");
  });

  it('tag, untag and note', async () => {
    const tag = await runSer(['runs', 'tag', String(ids.done), 'best', 'ravdess', '--db', db]);
    expect(tag.code).toBe(0);
    expect(tag.stdout).toContain('best, paper, ravdess');
    const untag = await runSer(['runs', 'untag', String(ids.done), 'paper', '--db', db]);
    expect(untag.code).toBe(0);
    const note = await runSer(['runs', 'note', String(ids.done), 'val', 'plateaus', 'after', 'epoch 3', '--db', db]);
    expect(note.code).toBe(0);
    const run = JSON.parse((await runSer(['runs', 'show', String(ids.done), '--json', '--db', db])).stdout) as { tags: string[]; notes: string };
    expect(run.tags).toEqual(['best', 'ravdess']);
    expect(run.notes).toBe('val plateaus after epoch 3');
  });

  it('delete refuses without a TTY or --yes (exit 2), refuses a run a live process owns, deletes with --yes', async () => {
    const refused = await runSer(['runs', 'delete', String(ids.done), '--db', db]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pass --yes');
    // The queued run belongs to this (live) test process: deleting it under its feet is refused.
    const owned = await runSer(['runs', 'delete', String(ids.queued), '--yes', '--db', db]);
    expect(owned.code).toBe(1);
    expect(owned.stderr).toContain(`process ${process.pid}`);
    expect((JSON.parse((await runSer(['runs', '--json', '--db', db])).stdout) as unknown[]).length).toBe(3);
    const ok = await runSer(['runs', 'delete', String(ids.done), '--yes', '--db', db]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`deleted run ${ids.done}`);
    const left = JSON.parse((await runSer(['runs', '--json', '--db', db])).stdout) as Array<{ id: number }>;
    expect(left.map((x) => x.id)).toEqual([ids.queued, ids.live]);
  });

  it.skipIf(!hasScript)('delete asks on a TTY and only deletes on yes', async () => {
    const path = join(dir, 'tty.db');
    const s = openStore(path);
    const r = s.runs.create({ name: 'ask me', config: {} });
    s.runs.setStatus(r.id, 'cancelled');
    s.close();
    // `script` gives the CLI a pseudo-terminal, as a user's shell would.
    const onTty = (answer: string) =>
      execFileSync('script', ['-qec', `'${process.execPath}' '${serBin}' runs delete ${r.id} --db '${path}'`, '/dev/null'], { input: `${answer}\n`, encoding: 'utf8' });
    const count = () => {
      const st = openStore(path);
      try {
        return st.runs.list().length;
      } finally {
        st.close();
      }
    };
    expect(onTty('n')).toContain(`Delete run ${r.id} 'ask me'`);
    expect(count()).toBe(1);
    expect(onTty('y')).toContain(`deleted run ${r.id}`);
    expect(count()).toBe(0);
  });

  it('marks runs of dead processes interrupted when it opens the database', async () => {
    const path = join(dir, 'orphan.db');
    const s = openStore(path);
    const r = s.runs.create({ name: 'orphan', config: {}, status: 'running' });
    s.close();
    // Pretend its owner was a process that has since died.
    const raw = new Database(path);
    raw.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(2 ** 22 + 4321, r.id);
    raw.close();
    const list = JSON.parse((await runSer(['runs', '--json', '--db', path])).stdout) as Array<{ status: string }>;
    expect(list[0].status).toBe('interrupted');
  });

  it('refuses a database from a newer version with exit 1 and a clear message', async () => {
    const path = join(dir, 'newer.db');
    openStore(path).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${LATEST_VERSION + 1}`);
    raw.close();
    const r = await runSer(['runs', '--db', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/newer version of Vox Affect/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
