/**
 * `ser sweep`: a hyperparameter sweep, trials = recipe × fold, each trial an ordinary run.
 *   ser sweep --data <dir> (--grid <json> | --random N --space <json>) [--folds K] [train flags…] [--parallel N]
 *             [--queue redis://host:6379/0] [--name] [--db] [--json]
 *   ser sweep --resume <id> [--parallel N | --queue …] [--db] [--json]
 *   ser sweep show <id> [--json] · ser sweep list [--json] · ser sweep cancel <id> [--no-wait] [--json]
 * The training flags are `ser train`'s and give every trial's base recipe; the grid's parameters override them.
 */
import type { Command } from 'commander';
import { defaultDataDir } from '../../engine/dataDir.js';
import { defaultDbPath } from '../../engine/store/dbPath.js';
import type { SweepRecord } from '../../engine/store/types.js';
import type { SweepEvent, SweepFinalEvent, SweepHandle, TrialRunner } from '../../engine/training/sweep.js';
import type { SweepDetail, SweepRecipeSummary } from '../../engine/training/sweepResults.js';
import type { SweepSpace } from '../../engine/training/sweepSpace.js';
import { pct } from '../metricsTable.js';
import { checkQueueUrl, DB_HELP, parseId, parseNumber, printJson, UsageError, type DbFlags } from '../output.js';
import { onStopSignals } from '../stopSignals.js';
import { printList, withStore } from '../storeAccess.js';
import { formatMs } from '../progress.js';
import { addTrainOptions, modelFromFlags, recipeFromFlags, TRAIN_OPTION_KEYS, type TrainFlags } from '../trainOptions.js';

interface SweepFlags extends TrainFlags {
  resume?: string;
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

/** How long `ser sweep cancel` waits for the sweep to stop. */
const CANCEL_WAIT_MS = 120_000;

type RawSpace = { grid: unknown } | { random: number; seed: number; space: unknown };

function spaceFrom(flags: SweepFlags, seed: number): RawSpace {
  if (flags.grid !== undefined && flags.random !== undefined) throw new UsageError('give --grid or --random N --space, not both');
  if (flags.grid !== undefined) return { grid: json('--grid', flags.grid) };
  if (flags.random === undefined) throw new UsageError('--grid <json> or --random N --space <json> is required');
  if (flags.space === undefined) throw new UsageError('--random N needs --space <json>, e.g. \'{"lr":{"logUniform":[0.0001,0.1]},"optimizer":["sgd","adam"]}\'');
  const n = parseNumber('--random', flags.random, { integer: true, min: 1, max: 10_000 });
  return { random: n, seed, space: json('--space', flags.space) };
}

/** Where trials train: a work queue (--queue) or this process (--parallel lanes). */
async function trialRunner(flags: SweepFlags, env: { dbPath: string; dataDir: string }): Promise<TrialRunner> {
  const parallel = flags.parallel !== undefined ? parseNumber('--parallel', flags.parallel, { integer: true, min: 1, max: 64 }) : undefined;
  if (flags.queue !== undefined) {
    if (parallel !== undefined) throw new UsageError('--parallel is for trials trained here; with --queue the workers decide (ser worker --concurrency)');
    await checkQueueUrl(flags.queue);
    const { queueTrials } = await import('../../services/sweepQueue.js');
    return queueTrials(flags.queue, env);
  }
  const { localTrials } = await import('../../engine/training/sweep.js');
  return localTrials(env, parallel !== undefined ? { lanes: parallel } : {});
}

const flagName = (key: string) => '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

/** `--resume <id>`: the sweep's own recipes, folds and data; only where its trials train may change. */
async function resumeHandle(flags: SweepFlags, cmd: Command, env: { dbPath: string; dataDir: string }): Promise<SweepHandle> {
  const id = parseId('sweep', flags.resume!);
  const given = (key: string) => cmd.getOptionValueSource(key) === 'cli';
  const fixed = [...TRAIN_OPTION_KEYS, 'grid', 'random', 'space', 'folds', 'valCount', 'name'].filter(given);
  if (fixed.length) throw new UsageError(`${flagName(fixed[0]!)} does not apply with --resume: a sweep keeps the recipes, folds and data it started with (only --parallel or --queue may change)`);
  const { openStore } = await import('../../engine/store/index.js');
  const { planResume, resumeSweep } = await import('../../services/sweeps.js');
  const store = openStore(env.dbPath, { mustExist: true });
  try {
    planResume(store, id); // an unknown id or an unreadable sweep fails before a queue is contacted
    return await resumeSweep(store, id, env, await trialRunner(flags, env));
  } finally {
    store.close();
  }
}

async function newSweepHandle(flags: SweepFlags, env: { dbPath: string; dataDir: string }): Promise<SweepHandle> {
  if (!flags.data) throw new UsageError('--data <dir> is required (or --resume <sweep id>)');
  const { parseGrid, parseSpace } = await import('../../engine/training/sweepSpace.js');
  const base = recipeFromFlags(flags);
  const raw = spaceFrom(flags, base.seed as number);
  const folds = flags.folds !== undefined ? parseNumber('--folds', flags.folds, { integer: true, min: 1, max: 1000 }) : 1;
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
  return runSweep(plan, env, await trialRunner(flags, env));
}

async function runSweepVerb(flags: SweepFlags, cmd: Command): Promise<void> {
  const dbPath = flags.db ?? defaultDbPath();
  const env = { dbPath, dataDir: defaultDataDir() };
  const handle = flags.resume !== undefined ? await resumeHandle(flags, cmd, env) : await newSweepHandle(flags, env);

  const offSignals = onStopSignals({
    cancel: () => handle.cancel(),
    interrupt: () => handle.interrupt(),
    message: 'cancelling the sweep: its running trials stop after this batch, the queued ones are dropped',
    json: !!flags.json,
  });

  const t0 = Date.now();
  let folds_ = 1;
  handle.onEvent((e: SweepEvent) => {
    if (flags.json) {
      if (e.event !== 'batch' && e.event !== 'sweep-preparing' && e.event !== 'preparing') printJson(e);
      return;
    }
    const where = (t: { trialId: number; fold: number }) => `trial ${t.trialId}${folds_ > 1 ? ` fold ${t.fold + 1}/${folds_}` : ''}`;
    switch (e.event) {
      case 'sweep-started':
        folds_ = e.folds;
        process.stdout.write(
          `sweep ${e.sweepId} "${e.name}": ${e.recipes} recipe(s) × ${e.folds} fold(s) = ${e.trials} trials${e.resumed ? `, ${e.toRun} to train again` : ''}, ${e.queue ? `on queue ${e.queue}` : `${e.lanes} at a time here`}\n`,
        );
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
  offSignals();
  if (final.event === 'failed') {
    if (!flags.json) process.stderr.write(`ser: sweep failed: ${final.error}\n`);
    process.exitCode = 1;
    return;
  }
  if (final.event === 'cancelled') {
    if (!flags.json) process.stdout.write(`sweep ${final.sweepId} ${final.interrupted ? `interrupted: continue it with \`ser sweep --resume ${final.sweepId}\`` : 'cancelled'}\n`);
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
    program.command('sweep').description('hyperparameter sweep: every recipe of a grid (or N drawn from a space) × every fold, each trial a run; trained here, or by `ser worker`s with --queue (Ctrl-C cancels, SIGTERM interrupts resumably)'),
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
    .option('--resume <id>', 'train the unfinished trials of an interrupted, failed or cancelled sweep (completed trials are kept; an interrupted trial continues from its checkpoint); with --parallel or --queue only')
    .option('--db <path>', DB_HELP)
    .option('--json', 'one JSON event per line (trial events carry "trialId" and "fold"; the last is the sweep\'s finished/failed/cancelled)')
    .allowExcessArguments(true)
    .action(async (flags: SweepFlags, cmd: Command) => {
      const sub = cmd.args[0];
      if (sub !== undefined) throw new UsageError(`unknown sweep command '${sub}' (expected show, list or cancel, or options such as --data and --grid)`);
      await runSweepVerb(flags, cmd);
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
      const { SweepsService } = await import('../../services/sweeps.js');
      const [detail, record] = await withStore(flags, (store) => [new SweepsService({ store }).show(id), store.sweeps.require(id)] as const);
      if (flags.json) printJson(detail);
      else process.stdout.write(detailText(detail, record));
    });

  sweep
    .command('list')
    .description('sweeps, newest first')
    .option('--json', 'a JSON array of sweeps')
    .option('--db <path>', DB_HELP)
    .action(async (_o: DbFlags, sub: Command) => {
      const { SweepsService } = await import('../../services/sweeps.js');
      await printList(sub.optsWithGlobals<DbFlags>(), 'no sweeps yet', (store) => new SweepsService({ store }).list(), (s) => `sweep ${s.id}  ${s.name}  [${s.status}]  ${s.trials} trials, ${s.folds} fold(s)${s.queue ? `  queue ${s.queue}` : ''}`);
    });

  sweep
    .command('cancel')
    .description('stop a sweep from anywhere: the process running it cancels its trials (queued ones dropped, running ones stopped after their batch, on workers too); one whose process is gone is marked cancelled')
    .argument('<id>', 'sweep id')
    .option('--no-wait', 'return once the request is recorded, without waiting for the sweep to stop')
    .option('--json', 'one JSON object: {id, status}')
    .option('--db <path>', DB_HELP)
    .action(async (rawId: string, _o: DbFlags & { wait: boolean }, sub: Command) => {
      const flags = sub.optsWithGlobals<DbFlags & { wait: boolean }>();
      const id = parseId('sweep', rawId);
      const { SweepsService } = await import('../../services/sweeps.js');
      const result = await withStore(flags, async (store) => {
        const service = new SweepsService({ store });
        let r = service.cancel(id);
        if (!flags.wait || r.status !== 'cancelling') return r;
        if (!flags.json) process.stdout.write(`sweep ${id}: asked the process running it to stop…\n`);
        // It polls for the request about once a second, then stops its trials (each after its current batch).
        const deadline = Date.now() + CANCEL_WAIT_MS;
        while (r.status === 'cancelling' && Date.now() < deadline) {
          await new Promise((res) => setTimeout(res, 250));
          r = { id, status: service.show(id).status };
        }
        return r;
      });
      if (flags.json) printJson(result);
      else if (result.status === 'cancelling') process.stdout.write(`sweep ${id} is still stopping after ${CANCEL_WAIT_MS / 1000} s; \`ser sweep show ${id}\` tells when it has\n`);
      else process.stdout.write(`sweep ${id} ${result.status}\n`);
      if (result.status === 'cancelling' && flags.wait) process.exitCode = 1;
    });

  for (const sub of sweep.commands) {
    sub.configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s.split('\n').filter(Boolean)[0] + '\n'),
    });
  }
}
