/**
 * `ser sweep`: a hyperparameter sweep, trials = recipe × fold, each trial an ordinary run.
 *   ser sweep --data <dir> (--grid <json> | --random N --space <json>) [--folds K] [train flags…] [--parallel N]
 *             [--queue redis://host:6379/0] [--name] [--db] [--json]
 *   ser sweep show <id> [--json] · ser sweep list [--json]
 * The training flags are `ser train`'s and give every trial's base recipe; the grid's parameters override them.
 */
import type { Command } from 'commander';
import { defaultDataDir } from '../../engine/dataDir.js';
import { defaultDbPath } from '../../engine/store/dbPath.js';
import type { Store } from '../../engine/store/store.js';
import type { SweepRecord } from '../../engine/store/types.js';
import type { SweepEvent, SweepFinalEvent, TrialRunner } from '../../engine/training/sweep.js';
import type { SweepDetail, SweepRecipeSummary } from '../../engine/training/sweepResults.js';
import type { SweepSpace } from '../../engine/training/sweepSpace.js';
import { pct } from '../metricsTable.js';
import { checkQueueUrl, DB_HELP, parseId, parseNumber, printJson, UsageError, type DbFlags } from '../output.js';
import { formatMs } from '../progress.js';
import { addTrainOptions, modelFromFlags, recipeFromFlags, type TrainFlags } from '../trainOptions.js';

interface SweepFlags extends TrainFlags {
  grid?: string;
  random?: string;
  space?: string;
  folds?: string;
  valCount?: string;
  parallel?: string;
  queue?: string;
  name?: string;
  db?: string;
  json?: boolean;
}


function json(flag: string, raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new UsageError(`${flag} expects JSON, e.g. '{"lr":[0.01,0.001],"optimizer":["sgd","adam"]}'; got '${raw}'`);
  }
}

async function withStore<T>(flags: DbFlags, fn: (store: Store) => T): Promise<T> {
  const { openStore } = await import('../../engine/store/index.js');
  const store = openStore(flags.db ?? defaultDbPath(), { mustExist: true });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

const paramsText = (p: Record<string, unknown>) => Object.entries(p).map(([k, v]) => `${k}=${String(v)}`).join(' ');
const pm = (m: number | null, sd: number | null) => (m === null ? '—' : `${(100 * m).toFixed(1)}${sd === null ? '' : ` ± ${(100 * sd).toFixed(1)}`}%`);

function summaryText(summary: SweepRecipeSummary[]): string {
  const lines = ['  | Recipe | Folds | UAR (mean ± sd) | Accuracy (mean) |', '  |---|---|---|---|'];
  for (const r of summary) lines.push(`  | ${paramsText(r.params)} | ${r.folds} | ${pm(r.meanUar, r.sdUar)} | ${pct(r.meanAccuracy)} |`);
  return lines.join('\n') + '\n';
}

function detailText(d: SweepDetail, record: SweepRecord): string {
  const out = [`sweep ${d.id}  ${d.name}  [${d.status}]  ${record.folds} fold(s)${record.queue ? `  queue ${record.queue}` : ''}`];
  if (record.error) out.push(`  error: ${record.error}`);
  out.push('', '  trial  fold  status      worker                 run  best val      test     UAR  params');
  for (const t of d.trials) {
    out.push(
      `  ${String(t.id).padStart(5)}  ${String(t.fold + 1).padStart(4)}  ${t.status.padEnd(10)}  ${(t.worker ?? '—').slice(0, 21).padEnd(21)}  ${String(t.runId ?? '—').padStart(3)}  ${pct(t.bestValAccuracy).padStart(8)}  ${pct(t.testAccuracy).padStart(8)}  ${pct(t.uar).padStart(6)}  ${paramsText(t.params)}`,
    );
  }
  return out.join('\n') + '\n\n' + summaryText(d.summary);
}

type RawSpace = { grid: unknown } | { random: number; seed: number; space: unknown };

function spaceFrom(flags: SweepFlags, seed: number): RawSpace {
  if (flags.grid !== undefined && flags.random !== undefined) throw new UsageError('give --grid or --random N --space, not both');
  if (flags.grid !== undefined) return { grid: json('--grid', flags.grid) };
  if (flags.random === undefined) throw new UsageError('--grid <json> or --random N --space <json> is required');
  if (flags.space === undefined) throw new UsageError('--random N needs --space <json>, e.g. \'{"lr":{"logUniform":[0.0001,0.1]},"optimizer":["sgd","adam"]}\'');
  const n = parseNumber('--random', flags.random, { integer: true, min: 1, max: 10_000 });
  return { random: n, seed, space: json('--space', flags.space) };
}

async function runSweepVerb(flags: SweepFlags): Promise<void> {
  if (!flags.data) throw new UsageError('--data <dir> is required');
  const { parseGrid, parseSpace } = await import('../../engine/training/sweepSpace.js');
  const base = recipeFromFlags(flags);
  const raw = spaceFrom(flags, base.seed as number);
  const folds = flags.folds !== undefined ? parseNumber('--folds', flags.folds, { integer: true, min: 1, max: 1000 }) : 1;
  const parallel = flags.parallel !== undefined ? parseNumber('--parallel', flags.parallel, { integer: true, min: 1, max: 64 }) : undefined;
  const dbPath = flags.db ?? defaultDbPath();
  const env = { dbPath, dataDir: defaultDataDir() };
  const { runSweep, planSweep } = await import('../../services/sweeps.js');
  const { SerError } = await import('../../shared/errors.js');
  let space: SweepSpace;
  try {
    space = 'grid' in raw ? { grid: parseGrid(raw.grid) } : { random: raw.random, seed: raw.seed, space: parseSpace(raw.space) };
  } catch (err) {
    throw err instanceof SerError ? new UsageError(err.message) : err;
  }
  const plan = {
    data: flags.data,
    space,
    folds,
    base,
    ...(flags.model ? { model: modelFromFlags(flags) } : {}),
    ...(flags.name ? { name: flags.name } : {}),
    ...(flags.valCount !== undefined ? { valSpeakers: parseNumber('--val-count', flags.valCount, { integer: true, min: 0 }) } : {}),
  };
  // Every recipe is checked before a queue is contacted or anything recorded: a bad grid value is a usage error.
  try {
    planSweep(plan);
  } catch (err) {
    throw err instanceof SerError ? new UsageError(err.message) : err;
  }
  let runner: TrialRunner;
  if (flags.queue !== undefined) {
    if (parallel !== undefined) throw new UsageError('--parallel is for trials trained here; with --queue the workers decide (ser worker --concurrency)');
    await checkQueueUrl(flags.queue);
    const { queueTrials } = await import('../../services/sweepQueue.js');
    runner = await queueTrials(flags.queue, env);
  } else {
    const { localTrials } = await import('../../engine/training/sweep.js');
    runner = localTrials(env, parallel !== undefined ? { lanes: parallel } : {});
  }
  const handle = runSweep(plan, env, runner);

  let interrupted = 0;
  const onSignal = () => {
    interrupted++;
    if (interrupted === 1) {
      if (!flags.json) process.stderr.write('\ncancelling the sweep: its running trials stop after this batch, the queued ones are dropped (Ctrl-C again to force)…\n');
      void handle.cancel();
    } else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const t0 = Date.now();
  let folds_ = folds;
  handle.onEvent((e: SweepEvent) => {
    if (flags.json) {
      if (e.event !== 'batch' && e.event !== 'sweep-preparing' && e.event !== 'preparing') printJson(e);
      return;
    }
    const where = (t: { trialId: number; fold: number }) => `trial ${t.trialId}${folds_ > 1 ? ` fold ${t.fold + 1}/${folds_}` : ''}`;
    switch (e.event) {
      case 'sweep-started':
        folds_ = e.folds;
        process.stdout.write(`sweep ${e.sweepId} "${e.name}": ${e.recipes} recipe(s) × ${e.folds} fold(s) = ${e.trials} trials, ${e.queue ? `on queue ${e.queue}` : `${e.lanes} at a time here`}\n`);
        return;
      case 'trial-started':
        process.stdout.write(`${where(e)}: ${paramsText(e.params)} on ${e.worker}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}\n`);
        return;
      case 'epoch':
        if ('trialId' in e) process.stdout.write(`  ${where(e)} epoch ${e.epoch + 1}/${e.epochs}  loss ${e.trainLoss.toFixed(3)}  val ${pct(e.valAccuracy)}\n`);
        return;
      case 'finished':
        if ('trialId' in e) process.stdout.write(`  ${where(e)} done: test accuracy ${pct(e.testAccuracy)}  UAR ${pct(e.uar)}  (run ${e.runId})\n`);
        return;
      case 'failed':
        if ('trialId' in e) process.stdout.write(`  ${where(e)} failed: ${e.error}\n`);
        return;
      default:
        return;
    }
  });

  const final: SweepFinalEvent = await handle.done;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (final.event === 'failed') {
    if (!flags.json) process.stderr.write(`ser: sweep failed: ${final.error}\n`);
    process.exitCode = 1;
    return;
  }
  if (final.event === 'cancelled') {
    if (!flags.json) process.stdout.write(`sweep ${final.sweepId} cancelled\n`);
    process.exitCode = 130;
    return;
  }
  if (!flags.json) {
    process.stdout.write(`\nsweep ${final.sweepId} ${final.status} in ${formatMs(Date.now() - t0)}: ${final.completed} of ${final.trials} trials completed\n\n`);
    process.stdout.write(summaryText(final.summary));
    if (final.best) process.stdout.write(`\nbest: ${paramsText(final.best.params)}  UAR ${pm(final.best.meanUar, final.best.sdUar)}\n`);
  }
  if (final.status === 'failed') process.exitCode = 1;
}

export function registerSweep(program: Command): void {
  const sweep = addTrainOptions(
    program.command('sweep').description('hyperparameter sweep: every recipe of a grid (or N drawn from a space) × every fold, each trial a run; trained here, or by `ser worker`s with --queue (Ctrl-C cancels)'),
    { workersHelp: 'training threads per trial on wasm/cpu (default: the cores divided among the trials at once)' },
  )
    .option('--grid <json>', 'parameters and the values to try, e.g. \'{"lr":[0.01,0.001],"optimizer":["sgd","adam"]}\' (any training option but backend, workers, micro-batch; lr = learningRate)')
    .option('--random <n>', 'instead of a grid: n recipes drawn from --space with --seed')
    .option('--space <json>', 'with --random: per parameter a list of choices or {"uniform"|"logUniform"|"int": [low, high]}')
    .option('--folds <k>', 'speaker folds per recipe, as ser cv (default 1: one trial per recipe with ser train\'s random split)')
    .option('--val-count <n>', 'with --folds: validation speakers per fold (default as ser cv)')
    .option('--parallel <n>', 'local trials at once (default: one per two cores)')
    .option('--queue <url>', 'send the trials to a work queue for `ser worker`s: redis://[user:password@]host:6379/0, or rediss:// for TLS (never expose it publicly)')
    .option('--name <name>', 'sweep name (trial runs are named after it)')
    .option('--db <path>', DB_HELP)
    .option('--json', 'one JSON event per line (trial events carry "trialId" and "fold"; the last is the sweep\'s finished/failed/cancelled)')
    .allowExcessArguments(true)
    .action(async (flags: SweepFlags, cmd: Command) => {
      const sub = cmd.args[0];
      if (sub !== undefined) throw new UsageError(`unknown sweep command '${sub}' (expected show or list, or options such as --data and --grid)`);
      await runSweepVerb(flags);
    });

  sweep
    .command('show')
    .description('a sweep: its trials (parameters, fold, status, worker, run, best validation and test metrics) and per-recipe mean ± sd over folds')
    .argument('<id>', 'sweep id')
    .option('--json', 'one JSON object: {id, name, status, trials, summary}')
    .option('--db <path>', DB_HELP)
    .action(async (rawId: string, _o: DbFlags, sub: Command) => {
      const flags = sub.optsWithGlobals<DbFlags>();
      const id = parseId('sweep', rawId);
      const { sweepDetail } = await import('../../engine/training/sweepResults.js');
      const [detail, record] = await withStore(flags, (store) => {
        const s = store.sweeps.require(id);
        return [sweepDetail(store, s), s] as const;
      });
      if (flags.json) printJson(detail);
      else process.stdout.write(detailText(detail, record));
    });

  sweep
    .command('list')
    .description('sweeps, newest first')
    .option('--json', 'a JSON array of sweeps')
    .option('--db <path>', DB_HELP)
    .action(async (_o: DbFlags, sub: Command) => {
      const flags = sub.optsWithGlobals<DbFlags>();
      const { existsSync } = await import('node:fs');
      if (!existsSync(flags.db ?? defaultDbPath())) {
        if (flags.json) printJson([]);
        else process.stdout.write('no sweeps yet\n');
        return;
      }
      const sweeps = await withStore(flags, (store) => store.sweeps.list().map((s) => ({ ...s, trials: store.sweeps.trials(s.id).length })));
      if (flags.json) printJson(sweeps);
      else process.stdout.write(sweeps.length ? sweeps.map((s) => `sweep ${s.id}  ${s.name}  [${s.status}]  ${s.trials} trials, ${s.folds} fold(s)${s.queue ? `  queue ${s.queue}` : ''}`).join('\n') + '\n' : 'no sweeps yet\n');
    });

  for (const sub of sweep.commands) {
    sub.configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s.split('\n').filter(Boolean)[0] + '\n'),
    });
  }
}
