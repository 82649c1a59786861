/**
 * `ser cv`: speaker-independent k-fold cross-validation, one run per fold, stored as a run group.
 *   ser cv --data <dir> --folds K [train flags…] [--val-count N] [--parallel-folds N] [--name] [--json]
 *   ser cv --resume <group id> [--workers N] [--parallel-folds N] [--json]
 *   ser cv show <id> [--json] · ser cv list [--json]
 * The training flags are `ser train`'s (trainOptions.ts); heavy modules load inside the actions.
 */
import type { Command } from 'commander';
import { defaultDataDir } from '../../engine/dataDir.js';
import { defaultDbPath } from '../../engine/store/dbPath.js';
import type { CvSummary, RunGroupRecord } from '../../engine/store/types.js';
import type { CvEvent, CvFinalEvent } from '../../engine/training/crossValidation.js';
import type { CvGroupDetail } from '../../engine/training/cvGroups.js';
import { metricsFromConfusion } from '../../engine/training/metrics.js';
import { metricsTable, pct } from '../metricsTable.js';
import { DB_HELP, parseId, parseNumber, printJson, UsageError, type DbFlags } from '../output.js';
import { onStopSignals } from '../stopSignals.js';
import { printList, withStore } from '../storeAccess.js';
import { formatMs } from '../progress.js';
import { addTrainOptions, buildTrainOptions, parseWorkers, TRAIN_OPTION_KEYS, type TrainFlags } from '../trainOptions.js';
import { trainPrinter, type TrainPrinter } from '../trainProgress.js';

interface CvFlags extends TrainFlags {
  folds?: string;
  valCount?: string;
  parallelFolds?: string;
  name?: string;
  db?: string;
  resume?: string;
  json?: boolean;
}

function flagName(key: string): string {
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

const pm = (mean: number, sd: number) => `${(100 * mean).toFixed(1)} ± ${(100 * sd).toFixed(1)}%`;

/** The summary table over folds, then the pooled metrics and confusion matrix. */
function summaryText(detail: CvGroupDetail, summary: CvSummary): string {
  const lines = ['  | Fold | Run | Test speakers | Accuracy | UAR | Macro F1 |', '  |---|---|---|---|---|---|'];
  for (const f of summary.perFold) {
    const run = detail.runs.find((r) => r.runId === f.runId);
    lines.push(`  | ${f.fold + 1} | ${f.runId} | ${run?.testSpeakers.join(', ') ?? '?'} | ${pct(f.accuracy)} | ${pct(f.uar)} | ${f.macroF1.toFixed(3)} |`);
  }
  lines.push(`  | mean ± sd | | | ${pm(summary.mean.accuracy, summary.sd.accuracy)} | ${pm(summary.mean.uar, summary.sd.uar)} | ${summary.mean.macroF1.toFixed(3)} ± ${summary.sd.macroF1.toFixed(3)} |`);
  const files = summary.pooled.confusion.flat().reduce((a, b) => a + b, 0);
  lines.push('', `  pooled over the ${summary.folds} folds' test parts (${files} files, each tested once):`);
  return lines.join('\n') + '\n' + metricsTable(metricsFromConfusion(summary.pooled.confusion)) + '\n';
}

function groupText(detail: CvGroupDetail): string {
  const cfg = detail.config as { valSpeakers?: number; train?: { epochs?: number; data?: string } };
  const out: string[] = [];
  out.push(`cross-validation ${detail.id}  ${detail.name}  [${detail.status}]`);
  out.push(`  ${detail.folds} folds by speaker, ${cfg.valSpeakers ?? '?'} validation speaker(s) per fold, ${cfg.train?.epochs ?? '?'} epochs; data ${cfg.train?.data ?? '?'}`);
  if (detail.error) out.push(`  error: ${detail.error}`);
  out.push('');
  out.push('  fold  run  status       epochs  test speakers         val speakers   accuracy     UAR  macro F1');
  for (const r of detail.runs) {
    out.push(
      `  ${String(r.fold + 1).padStart(4)}  ${String(r.runId).padStart(3)}  ${r.status.padEnd(11)}  ${String(r.epochsDone).padStart(6)}  ${r.testSpeakers.join(', ').padEnd(20)}  ${r.valSpeakers.join(', ').padEnd(13)}  ${pct(r.test?.accuracy).padStart(8)}  ${pct(r.test?.uar).padStart(6)}  ${r.test ? r.test.macroF1.toFixed(3).padStart(8) : '       —'}`,
    );
  }
  const missing = detail.folds - detail.runs.length;
  if (missing > 0) out.push(`  (${missing} fold(s) not started)`);
  out.push('');
  return out.join('\n') + '\n' + (detail.summary ? summaryText(detail, detail.summary) : '');
}

/** One line per group for `ser cv list` and `ser runs`. */
export function groupLine(g: RunGroupRecord): string {
  const s = g.summary;
  return `cv ${g.id}  ${g.name}  [${g.status}]  ${g.folds} folds${s ? `  accuracy ${pm(s.mean.accuracy, s.sd.accuracy)}  UAR ${pm(s.mean.uar, s.sd.uar)}` : ''}`;
}

async function runCv(flags: CvFlags, cmd: Command): Promise<void> {
  const { startCrossValidation, isFoldEvent } = await import('../../engine/training/crossValidation.js');
  const dbPath = flags.db ?? defaultDbPath();
  const given = (key: string) => cmd.getOptionValueSource(key) === 'cli';
  const parallelFolds = flags.parallelFolds !== undefined ? parseNumber('--parallel-folds', flags.parallelFolds, { integer: true, min: 1, max: 64 }) : undefined;
  let handle;
  if (flags.resume !== undefined) {
    const groupId = parseId('run group', flags.resume);
    // A group's folds must share their settings: only how they are run may change.
    const fixed = [...TRAIN_OPTION_KEYS.filter((k) => k !== 'workers'), 'folds', 'valCount', 'name'].filter(given);
    if (fixed.length) throw new UsageError(`${flagName(fixed[0]!)} does not apply with --resume: a cross-validation keeps the settings it started with (only --workers and --parallel-folds may change)`);
    const overrides = { ...(flags.workers !== undefined ? { workers: parseWorkers(flags.workers) } : {}), ...(parallelFolds !== undefined ? { parallelFolds } : {}) };
    handle = startCrossValidation(undefined, { dbPath, dataDir: defaultDataDir(), resumeGroupId: groupId, resumeOverrides: overrides });
  } else {
    if (flags.folds === undefined) throw new UsageError('--folds <k> is required (or --resume <group id>)');
    const folds = parseNumber('--folds', flags.folds, { integer: true, min: 2, max: 1000 });
    const train = await buildTrainOptions(flags, (seed) => ({ kind: 'speaker', seed, folds }), '--data <dir> is required (or --resume <group id>)');
    handle = startCrossValidation(
      {
        train,
        folds,
        ...(flags.valCount !== undefined ? { valSpeakers: parseNumber('--val-count', flags.valCount, { integer: true, min: 0 }) } : {}),
        ...(parallelFolds !== undefined ? { parallelFolds } : {}),
        ...(flags.name ? { name: flags.name } : {}),
      },
      { dbPath, dataDir: defaultDataDir() },
    );
  }

  const offSignals = onStopSignals({ cancel: () => handle.cancel(), interrupt: () => handle.interrupt(), message: 'stopping the running fold(s) after this batch', json: !!flags.json });

  const t0 = Date.now();
  const printers = new Map<number, TrainPrinter>();
  let parallel = 1;
  let folds = 0;
  handle.onEvent((e: CvEvent) => {
    if (flags.json) {
      printJson(e);
      return;
    }
    if (isFoldEvent(e)) {
      // Side by side folds share the terminal: no progress bars then, and every line says its fold.
      if (parallel > 1 && (e.event === 'batch' || e.event === 'preparing')) return;
      let p = printers.get(e.fold);
      if (!p) {
        if (parallel === 1) process.stdout.write(`\nfold ${e.fold + 1}/${folds}\n`);
        printers.set(e.fold, (p = trainPrinter({ indent: parallel > 1 ? `[fold ${e.fold + 1}] ` : '  ' })));
      }
      p.onEvent(e);
      if (e.event === 'finished') process.stdout.write(`${parallel > 1 ? `[fold ${e.fold + 1}] ` : '  '}fold ${e.fold + 1}: test accuracy ${pct(e.testAccuracy)}  UAR ${pct(e.uar)}  macro F1 ${e.macroF1?.toFixed(3) ?? '—'}\n`);
      return;
    }
    if (e.event === 'cv-started') {
      parallel = e.parallelFolds;
      folds = e.folds;
      process.stdout.write(
        `cross-validation ${e.groupId} "${e.name}": ${e.folds} folds by speaker, ${e.valSpeakers} validation speaker(s) per fold; ${e.resumed ? 'resuming: ' : ''}training fold(s) ${e.toRun.map((f) => f + 1).join(', ') || '— (all done)'}${e.parallelFolds > 1 ? `, ${e.parallelFolds} side by side` : ''}, ${e.workersPerFold} worker(s) each\n`,
      );
      e.speakers.forEach((s, k) => process.stdout.write(`  fold ${k + 1}: test ${s.test.join(', ')} · validation ${s.val.join(', ') || '—'} · training ${s.train.join(', ')}\n`));
    }
  });

  const final: CvFinalEvent = await handle.done;
  offSignals();
  for (const p of printers.values()) p.stop();
  if (final.event === 'failed') {
    if (!flags.json) process.stderr.write(`ser: cross-validation failed: ${final.error}\n`);
    process.exitCode = 1;
    return;
  }
  if (final.event === 'cancelled') {
    if (!flags.json) process.stdout.write(`cross-validation ${final.groupId} ${final.interrupted ? 'interrupted: continue it with `ser cv --resume ' + final.groupId + '`' : 'cancelled'}\n`);
    process.exitCode = 130;
    return;
  }
  if (!flags.json) {
    const { groupDetail } = await import('../../engine/training/cvGroups.js');
    const detail = await withStore({ db: dbPath }, (store) => groupDetail(store, store.groups.require(final.groupId)));
    process.stdout.write(`\ncross-validation ${final.groupId} finished in ${formatMs(Date.now() - t0)}\n\n`);
    if (detail.summary) process.stdout.write(summaryText(detail, detail.summary));
  }
}

export function registerCv(program: Command): void {
  const cv = addTrainOptions(
    program
      .command('cv')
      .description('speaker-independent k-fold cross-validation: one run per fold of speakers, mean ± sd and pooled confusion (Ctrl-C cancels, SIGTERM interrupts resumably)'),
    { workersHelp: 'training threads per fold on wasm/cpu (default: one per core, divided among --parallel-folds)' },
  )
    .option('--folds <k>', 'number of speaker folds (each fold tests on 1/k of the speakers)')
    .option('--val-count <n>', 'validation speakers per fold, taken from the next fold(s) (default: ~10% of the speakers, at least 1)')
    .option('--parallel-folds <n>', 'folds trained side by side, sharing the cores (default 1: one after another)')
    .option('--name <name>', 'group name (fold runs are named after it)')
    .option('--db <path>', DB_HELP)
    .option('--resume <group id>', 'continue a cross-validation: interrupted folds from their checkpoints, failed or cancelled folds again, then the folds not started')
    .option('--json', 'one JSON event per line (fold events carry "fold"; the last is the group\'s finished/failed/cancelled)')
    // `ser cv show 3` is a subcommand; anything else positional is a mistake.
    .allowExcessArguments(true)
    .action(async (flags: CvFlags, cmd: Command) => {
      const sub = cmd.args[0];
      if (sub !== undefined) throw new UsageError(`unknown cv command '${sub}' (expected show or list, or options such as --data and --folds)`);
      await runCv(flags, cmd);
    });

  cv.command('show')
    .description('a cross-validation group: its fold runs with their test metrics, and the summary')
    .argument('<id>', 'group id')
    .option('--json', 'print one JSON object: the group, its fold runs and its summary')
    .option('--db <path>', DB_HELP)
    .action(async (rawId: string, _o: DbFlags, sub: Command) => {
      const flags = sub.optsWithGlobals<DbFlags>();
      const id = parseId('run group', rawId);
      const { groupDetail } = await import('../../engine/training/cvGroups.js');
      const detail = await withStore(flags, (store) => groupDetail(store, store.groups.require(id)));
      if (flags.json) printJson(detail);
      else process.stdout.write(groupText(detail));
    });

  cv.command('list')
    .description('cross-validation groups, newest first')
    .option('--json', 'print a JSON array of groups')
    .option('--db <path>', DB_HELP)
    .action((_o: DbFlags, sub: Command) => printList(sub.optsWithGlobals<DbFlags>(), 'no cross-validations yet', (store) => store.groups.list(), groupLine));

  for (const sub of cv.commands) {
    sub.configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s.split('\n').filter(Boolean)[0] + '\n'),
    });
  }
}
