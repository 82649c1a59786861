import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../electron/cli/main.js';
import { repoRoot, runSer } from './helpers/ser.js';

describe('ser CLI contract', () => {
  it('prints the version', async () => {
    const r = await runSer(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
  it('prints help listing the verbs', async () => {
    const r = await runSer(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('features');
  });
  it('exits 2 with one line on an unknown verb', async () => {
    const r = await runSer(['no-such-verb']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('no-such-verb');
  });
});

describe('ser CLI exit codes for bad option values (2, one line)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ser-cli-usage-'));
  const env = { SER_DATA_DIR: join(dir, 'data'), SER_DB: join(dir, 'x.db') };
  const cases: Array<[string, string[], RegExp]> = [
    ['an SNR range with low > high', ['train', '--data', dir, '--snr', '30:15'], /--snr .*low < high.*30:15/],
    ['an empty SNR range', ['train', '--data', dir, '--snr', '15:15'], /--snr/],
    ['an SNR range in cross-validation', ['cv', '--data', dir, '--folds', '3', '--snr', '30:15'], /--snr/],
    ['a speed range with low > high', ['train', '--data', dir, '--speed', '1.1:0.9'], /--speed .*low ≤ high.*1\.1:0\.9/],
    ['a speed past 2', ['cv', '--data', dir, '--folds', '3', '--speed', '0.9:2.5'], /--speed \(high\) must be ≤ 2/],
    ['a speed that is not a range', ['train', '--data', dir, '--speed', 'fast'], /--speed expects low:high/],
    ['a negative split seed', ['train', '--data', dir, '--split-seed', '-3'], /--split-seed/],
    ['a fold past --folds (train)', ['train', '--data', dir, '--split', 'speaker', '--folds', '3', '--fold', '7'], /--fold .*0\.\.2.*got 7/],
    ['a fold past the default 5 folds', ['train', '--data', dir, '--split', 'speaker', '--fold', '5'], /--fold .*0\.\.4/],
    ['a fold past --folds (dataset split)', ['dataset', 'split', dir, '--split', 'speaker', '--folds', '3', '--fold', '7'], /--fold .*0\.\.2/],
    ['an unknown split kind', ['train', '--data', dir, '--split', 'everything'], /--split must be random, speaker or all, got 'everything'/],
    ['--test-speakers with --split all', ['train', '--data', dir, '--split', 'all', '--test-speakers', '19,20'], /--test-speakers does not apply to --split all/],
    ['--val-speakers with --split all', ['train', '--data', dir, '--split', 'all', '--val-speakers', '19'], /--val-speakers does not apply to --split all/],
    ['--folds with --split all', ['train', '--data', dir, '--split', 'all', '--folds', '5'], /--folds does not apply to --split all/],
    ['--fold with --split all (dataset split)', ['dataset', 'split', dir, '--split', 'all', '--fold', '0'], /--fold does not apply to --split all/],
    ['--early-stop with --split all', ['train', '--data', dir, '--split', 'all', '--early-stop', '3'], /--early-stop watches the validation part, and --split all has none/],
    ['a misspelt model knob', ['train', '--data', dir, '--model', '{"lstmUnit":32}'], /--model: lstmUnit: /],
    ['a model knob of the wrong type', ['cv', '--data', dir, '--folds', '3', '--model', '{"bidirectional":"yes"}'], /--model: bidirectional: /],
    ['model overrides that are not JSON', ['train', '--data', dir, '--model', '{lstmUnits:32}'], /--model expects a JSON object/],
    ['--db on a verb that never opens the database', ['dataset', 'extract', dir, '--db', join(dir, 'x.db')], /unknown option '--db'/],
  ];
  for (const [what, args, message] of cases) {
    it(`exits 2 for ${what}`, async () => {
      const r = await runSer(args, { env });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    });
  }

  it('the README lists exactly the verbs that take --db', () => {
    const row = readFileSync(join(repoRoot, 'README.md'), 'utf8').split('\n').find((l) => l.startsWith('| `--db <path>`'))!;
    const [takes, refuses] = row.split('never open it')[0]!.split(':').slice(1).join(':').split(';');
    const names = (s: string) => [...s.matchAll(/`([a-z /]+)`/g)].flatMap((m) => {
      const [verb, ...subs] = m[1]!.split(' ').filter((w) => w !== '/');
      return subs.length ? subs.map((sub) => [verb!, sub]) : [[verb!]];
    });
    const program = buildProgram();
    const hasDb = (path: string[]) => {
      let cmd = program;
      for (const name of path) cmd = cmd.commands.find((c) => c.name() === name)!;
      expect(cmd, path.join(' ')).toBeDefined();
      return cmd.options.some((o) => o.long === '--db');
    };
    expect(names(takes!).length).toBe(11);
    for (const path of names(takes!)) expect(hasDb(path), path.join(' ')).toBe(true);
    for (const path of names(refuses!)) expect(hasDb(path), path.join(' ')).toBe(false);
  });
});
