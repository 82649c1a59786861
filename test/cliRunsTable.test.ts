/**
 * `ser runs --table`, run as a user runs it (built CLI, real SQLite file in a temp dir): runs written through the
 * store's repositories, and — with SER_SHARED — two real one-epoch runs of a tiny model on a quarter of the dev subset.
 */
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EMOTIONS } from '../electron/shared/labels.js';
import { openStore } from '../electron/engine/store/store.js';
import type { PaperTable } from '../electron/engine/results/paperTable.js';
import type { RunSplit } from '../electron/engine/store/types.js';
import { runSer, sharedDir } from './helpers/ser.js';

const dir = mkdtempSync(join(tmpdir(), 'ser-cli-table-'));
const db = join(dir, 'experiments.db');
const ids: Record<string, number> = {};

function addRun(name: string, split: RunSplit, durations: number[], accuracy: number | null, tags: string[] = []): number {
  const s = openStore(db);
  try {
    const r = s.runs.create({ name, config: { split: { kind: split.kind } }, split, tags, status: 'running' });
    durations.forEach((durationMs, epoch) => s.runs.addEpoch(r.id, { epoch, trainLoss: 1, trainAccuracy: 0.5, valAccuracy: 0.4, durationMs }));
    if (accuracy !== null) {
      s.evaluations.add({
        runId: r.id, split: 'test', epoch: durations.length - 1, accuracy, uar: accuracy - 0.01, macroF1: 0.3, weightedF1: 0.3,
        confusion: EMOTIONS.map((_, i) => EMOTIONS.map((_, j) => (i === j ? 2 : 0))),
        perClass: EMOTIONS.map((label) => ({ label, precision: 0.5, recall: 0.5, f1: 0.5, support: 2 })),
      });
    }
    s.runs.setStatus(r.id, 'completed');
    return r.id;
  } finally {
    s.close();
  }
}

beforeAll(() => {
  ids.random = addRun('paper protocol', { kind: 'random', trainSpeakers: ['01', '02'], valSpeakers: ['01', '02'], testSpeakers: ['01', '02'], trainSamples: 576 }, [40_000, 44_000], 0.42, ['paper']);
  ids.speaker = addRun('new voices', { kind: 'speaker', trainSpeakers: ['01', '02'], valSpeakers: ['03'], testSpeakers: ['04'], trainSamples: 360 }, [30_000], 0.2, ['paper']);
  ids.other = addRun('untagged', { kind: 'speaker', trainSpeakers: ['01'], valSpeakers: ['02'], testSpeakers: ['03', '04'] }, [], null);
});

async function tableJson(args: string[]): Promise<PaperTable> {
  const r = await runSer(['runs', '--table', '--json', '--db', db, ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as PaperTable;
}

describe('ser runs --table', () => {
  it('--json: one row per run in the order given, every row with its split; the paper rows and the projection', async () => {
    const t = await tableJson([String(ids.speaker), String(ids.random)]);
    expect(Object.keys(t).sort()).toEqual(['paper', 'paperProtocol', 'projection', 'rows', 'source']);
    expect(t.rows.map((r) => [r.runId, r.split, r.splitLabel, r.testSpeakers])).toEqual([
      [ids.speaker, 'speaker', 'speaker-independent', ['04']],
      [ids.random, 'random', 'random (speakers shared)', ['01', '02']],
    ]);
    expect(t.rows[1]).toMatchObject({ name: 'paper protocol', epochs: 2, trainingMs: 84_000, msPerEpoch: 42_000, testAccuracy: 0.42, uar: 0.41, trainSamples: 576 });
    expect(typeof t.rows[1]!.wallMs).toBe('number');
    expect(t.paper.map((p) => [p.epochs, p.accuracy, p.split])).toEqual([[200, 0.6, 'random'], [600, 0.8037, 'random'], [1400, 0.939, 'random']]);
    expect(t.projection).toEqual([
      { runId: ids.speaker, msPerEpoch: 30_000, trainSamples: 360, epochs200Ms: 6_000_000, epochs600Ms: 18_000_000, epochs1400Ms: 42_000_000 },
      { runId: ids.random, msPerEpoch: 42_000, trainSamples: 576, epochs200Ms: 8_400_000, epochs600Ms: 25_200_000, epochs1400Ms: 58_800_000 },
    ]);
  });

  it('selects by --tag, or takes every run oldest first', async () => {
    expect((await tableJson(['--tag', 'paper'])).rows.map((r) => r.runId)).toEqual([ids.random, ids.speaker]);
    const all = await tableJson([]);
    expect(all.rows.map((r) => r.runId)).toEqual([ids.random, ids.speaker, ids.other]);
    expect(all.rows[2]).toMatchObject({ epochs: 0, trainingMs: null, msPerEpoch: null, testAccuracy: null });
    expect(all.projection.map((p) => p.runId)).toEqual([ids.random, ids.speaker]);
  });

  it('prints the split in every row for humans, the paper rows beneath, then the projection', async () => {
    const r = await runSer(['runs', '--table', `${ids.random},${ids.speaker}`, '--db', db]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^RUN\s+NAME\s+SPLIT\s+TEST SPEAKERS\s+EPOCHS\s+TRAINING\s+WALL\s+S\/EPOCH\s+TEST ACC\s+UAR$/);
    expect(lines[1]).toMatch(new RegExp(`^${ids.random}\\s+paper protocol\\s+random \\(speakers shared\\)\\s+all 2\\s+2\\s+1m 24s\\s+.*42\\.0\\s+42\\.00%\\s+41\\.00%$`));
    expect(lines[2]).toMatch(new RegExp(`^${ids.speaker}\\s+new voices\\s+speaker-independent\\s+04\\s+1\\s+30s\\s+.*30\\.0\\s+20\\.00%\\s+19\\.00%$`));
    expect(lines.slice(3, 6).every((l) => /^paper\s+as reported\s+random \(speakers shared\)/.test(l))).toBe(true);
    expect(lines[5]).toMatch(/1400\s+38 hours\s+–\s+97\.7\s+93\.90%/);
    expect(r.stdout).toMatch(/200 EPOCHS\s+600 EPOCHS\s+1400 EPOCHS/);
    expect(r.stdout).toMatch(new RegExp(`\\n${ids.random}\\s+42\\.0\\s+576\\s+2\\.3 h\\s+7\\.0 h\\s+16\\.3 h\\n`));
  });

  it('errors: an unknown id exits 1, ids with --tag exit 2; no database still shows the paper', async () => {
    const missing = await runSer(['runs', '--table', '999', '--db', db]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no run with id 999/);
    const both = await runSer(['runs', '--table', '1', '--tag', 'paper', '--db', db]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/not both/);
    const none = await runSer(['runs', '--table', '--json', '--db', join(dir, 'nothing.db')]);
    expect(none.code).toBe(0);
    expect(JSON.parse(none.stdout)).toMatchObject({ rows: [], projection: [], paper: [{ epochs: 200 }, { epochs: 600 }, { epochs: 1400 }] });
  });
});

describe.skipIf(!sharedDir)('ser runs --table over real runs', () => {
  it('two one-epoch runs of a tiny model: the random split and the speaker split, as the trainer stored them', async () => {
    // A quarter of the dev subset (every 4th clip of each actor, symlinked): enough for both splits, fast to extract.
    const dev = join(sharedDir!, 'data', 'ravdess-dev');
    const data = join(dir, 'mini');
    for (const actor of readdirSync(dev).filter((d) => d.startsWith('Actor_'))) {
      mkdirSync(join(data, actor), { recursive: true });
      readdirSync(join(dev, actor)).filter((f) => f.endsWith('.wav')).sort().forEach((f, i) => {
        if (i % 4 === 0) symlinkSync(join(dev, actor, f), join(data, actor, f));
      });
    }
    const env = { SER_DATA_DIR: join(dir, 'data') };
    const common = ['train', '--data', data, '--model', '{"filters":[4,4,4,4],"lstmUnits":8}', '--epochs', '1', '--augment-copies', '0', '--workers', '1', '--db', db, '--json'];
    const runIds: number[] = [];
    for (const split of [['--split', 'random'], ['--split', 'speaker', '--test-speakers', '04', '--val-speakers', '03']]) {
      const r = await runSer([...common, ...split], { env });
      expect(r.code, r.stderr).toBe(0);
      const finished = JSON.parse(r.stdout.trimEnd().split('\n').at(-1)!) as { event: string; runId: number; testAccuracy: number };
      expect(finished.event).toBe('finished');
      runIds.push(finished.runId);
    }
    const t = await tableJson(runIds.map(String));
    expect(t.rows.map((r) => [r.split, r.splitLabel, r.epochs])).toEqual([
      ['random', 'random (speakers shared)', 1],
      ['speaker', 'speaker-independent', 1],
    ]);
    // The random split's test clips come from the training actors; the speaker split's from actor 04 alone.
    expect(t.rows[0]!.testSpeakers!.length).toBeGreaterThan(0);
    expect(t.rows[0]!.testSpeakers!.every((s) => ['01', '02', '03', '04'].includes(s))).toBe(true);
    expect(t.rows[1]!.testSpeakers).toEqual(['04']);
    for (const r of t.rows) {
      expect(r.trainingMs).toBeGreaterThan(0);
      expect(r.wallMs).toBeGreaterThanOrEqual(r.trainingMs!);
      expect(r.testAccuracy).not.toBeNull();
      expect(r.trainSamples).toBeGreaterThan(0);
    }
    expect(t.projection.map((p) => p.epochs1400Ms)).toEqual(t.rows.map((r) => r.msPerEpoch! * 1400));
  }, 120_000);
});
