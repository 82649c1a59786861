/**
 * `ser train`, `ser eval`, `ser classify`: the training engine from the command line.
 * Heavy modules are imported inside the actions so `ser --help` and other verbs start fast.
 */
import type { Command } from 'commander';
import { defaultDataDir } from '../../engine/dataDir.js';
import { EMOTIONS } from '../../shared/labels.js';
import { BUILTIN_REF } from '../../engine/training/builtinModel.js';
import { defaultDbPath } from '../../engine/store/dbPath.js';
import type { TrainEvent } from '../../engine/training/types.js';
import { metricsTable, pct } from '../metricsTable.js';
import { parseNumber, parseWindowOffsetsFlag, printJson, UsageError, WINDOW_OFFSETS_HELP } from '../output.js';
import { onStopSignals } from '../stopSignals.js';
import { formatMs } from '../progress.js';
import type { EvalDatasetFlags } from './evalDataset.js';
import { addSplitOptions, noTestPart, splitSpecFrom, type SplitFlags } from '../splitOptions.js';
import { addTrainOptions, BACKEND_HELP, buildTrainOptions, parseBackend, parseOption, parseWorkers, type TrainFlags } from '../trainOptions.js';
import { trainPrinter, type EpochLine } from '../trainProgress.js';

interface TrainVerbFlags extends TrainFlags, SplitFlags {
  name?: string;
  db?: string;
  resume?: string;
  json?: boolean;
}

export function registerTrain(program: Command): void {
  addTrainOptions(addSplitOptions(program.command('train').description('train the CNN-LSTM on a dataset (progress per epoch; Ctrl-C cancels, keeping the checkpoint)')))
    .option('--name <name>', 'run name')
    .option('--db <path>', 'experiment database (default: SER_DB or experiments.db)')
    .option('--resume <run id>', 'continue an interrupted run from its last checkpoint (with --epochs: a new epoch budget — at most the epochs done ends it now with its best weights; --workers: another worker count)')
    .option('--json', 'one JSON event per line')
    .action(async (flags: TrainVerbFlags, cmd: Command) => {
      const { startTraining } = await import('../../engine/training/session.js');
      const resumeRunId = flags.resume !== undefined ? parseNumber('--resume', flags.resume, { integer: true, min: 1 }) : undefined;
      const options =
        resumeRunId === undefined
          ? { ...(await buildTrainOptions(flags, (seed) => splitSpecFrom(flags, seed), '--data <dir> is required (or --resume <run id>)')), ...(flags.name ? { name: flags.name } : {}) }
          : undefined;
      if (options?.split.kind === 'all' && options.earlyStopping) throw new UsageError('--early-stop watches the validation part, and --split all has none');
      // On resume only the epoch budget and the worker count may change; the rest is the run's stored config.
      const overrides: { epochs?: number; workers?: number } = {};
      if (resumeRunId !== undefined) {
        if (cmd.getOptionValueSource('epochs') === 'cli') overrides.epochs = parseOption('epochs', '--epochs', flags.epochs);
        if (flags.workers !== undefined) overrides.workers = parseWorkers(flags.workers);
      }
      const handle = startTraining(options, { dbPath: flags.db ?? defaultDbPath(), dataDir: defaultDataDir(), ...(resumeRunId !== undefined ? { resumeRunId, resumeOverrides: overrides } : {}) });
      const offSignals = onStopSignals({ cancel: () => handle.cancel(), interrupt: () => handle.interrupt(), message: 'stopping after this batch', json: !!flags.json });
      const human = !flags.json;
      const printer = trainPrinter();
      const t0 = Date.now();
      handle.onEvent((e: TrainEvent) => {
        if (flags.json) printJson(e);
        else printer.onEvent(e);
      });
      const final = await handle.done;
      offSignals();
      if (final.event === 'failed') {
        if (human) process.stderr.write(`ser: training failed: ${final.error}\n`);
        process.exitCode = 1;
        return;
      }
      if (final.event === 'cancelled') {
        process.exitCode = 130;
        return;
      }
      if (final.event === 'finished' && human) {
        const { openStore } = await import('../../engine/store/index.js');
        const store = openStore(flags.db ?? defaultDbPath());
        try {
          const test = store.evaluations.listForRun(final.runId, 'test').at(-1);
          if (final.testAccuracy === null) {
            // Split all: nothing was held out, so there is no figure to print here.
            process.stdout.write(`\nrun ${final.runId} finished: ${final.epochs} epochs in ${formatMs(Date.now() - t0)}\n  no test part (split all): judge this recipe with ser cv\n`);
          } else {
            const best = printer.epochs.reduce<EpochLine | undefined>((b, x) => (x.valAccuracy !== null && (!b || (b.valAccuracy ?? -1) < x.valAccuracy) ? x : b), undefined);
            process.stdout.write(
              `\nrun ${final.runId} finished\n\n  | Epochs | Training time | Accuracy (test) | UAR (test) | best val accuracy |\n  |---|---|---|---|---|\n  | ${final.epochs} | ${formatMs(Date.now() - t0)} | ${pct(final.testAccuracy)} | ${pct(final.uar)} | ${pct(best?.valAccuracy)} |\n\n`,
            );
          }
          if (test) process.stdout.write(metricsTable(test) + '\n');
          process.stdout.write(`\nmodel: ${final.modelDir}\n`);
        } finally {
          store.close();
        }
      }
    });

  program
    .command('eval')
    .description('the test evaluation of a finished run, or any model on any dataset (--model, --data)')
    .argument('[run-id]', 'run id (see `ser runs`): its stored test evaluation')
    .option('--model <dir|run-id|ensemble:id|built-in>', 'exported model folder, a run id, a recorded ensemble, or built-in: evaluate it on --data')
    .option('--data <dir>', 'dataset folder (RAVDESS, CREMA-D, TESS, SAVEE or folder-per-label), every usable file')
    .option('--speakers <list>', 'with --data: only these speakers, e.g. 21,22')
    .option('--test-of <run id>', "with --model: only the test part of that run's split (made again from its stored spec; its dataset unless --data)")
    .option('--include-song', 'with --data: keep RAVDESS song clips')
    .option('--backend <name>', `with --data: ${BACKEND_HELP}`)
    .option('--workers <n>', 'with --data: feature-extraction threads (default: one per core)')
    .option('--window-offsets <list>', `with --data: ${WINDOW_OFFSETS_HELP}`)
    .option('--db <path>', 'experiment database')
    .option('--json', 'print one JSON object')
    .action(async (rawId: string | undefined, flags: Partial<EvalDatasetFlags>) => {
      const datasetOnly = (['speakers', 'includeSong', 'backend', 'workers', 'testOf', 'windowOffsets'] as const).filter((k) => flags[k] !== undefined);
      if (rawId !== undefined && (flags.model !== undefined || flags.data !== undefined)) throw new UsageError('give a run id (its stored test evaluation) or --model and --data, not both');
      if (rawId === undefined) {
        if (flags.model === undefined && flags.data === undefined && flags.testOf === undefined) throw new UsageError('give a run id, or --model <dir|run id> --data <dir> to evaluate a model on a dataset');
        if (flags.model === undefined) throw new UsageError(`${flags.data !== undefined ? '--data' : '--test-of'} needs --model <dir|run id|built-in>: the model to evaluate`);
        if (flags.data === undefined && flags.testOf === undefined) throw new UsageError('--model needs --data <dir>: the dataset to evaluate it on');
        const { evalDataset } = await import('./evalDataset.js');
        await evalDataset({ ...flags, model: flags.model });
        return;
      }
      if (datasetOnly.length) throw new UsageError(`--${datasetOnly[0]!.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} applies to --data evaluations, not to a run's stored test evaluation`);
      const id = parseNumber('run id', rawId, { integer: true, min: 1 });
      const { openStore } = await import('../../engine/store/index.js');
      const { SerError } = await import('../../shared/errors.js');
      const store = openStore(flags.db ?? defaultDbPath(), { mustExist: true });
      try {
        const run = store.runs.require(id);
        const test = store.evaluations.listForRun(id, 'test').at(-1);
        if (!test && run.split?.['kind'] === 'all') throw new SerError('bad-input', noTestPart(id));
        if (!test) throw new SerError('not-found', `run ${id} (${run.status}) has no test evaluation yet; it is recorded when training finishes`);
        const perClass = Object.fromEntries(test.perClass.map((c) => [c.label, { precision: c.precision, recall: c.recall, f1: c.f1, support: c.support }]));
        if (flags.json) {
          printJson({ runId: id, accuracy: test.accuracy, uar: test.uar, macroF1: test.macroF1, weightedF1: test.weightedF1, labels: EMOTIONS, confusion: test.confusion, perClass, split: run.split?.['kind'] ?? null });
        } else {
          process.stdout.write(`run ${id} "${run.name}" — test set (${String(run.split?.['kind'] ?? '?')} split)\n`);
          process.stdout.write(metricsTable(test) + '\n');
        }
      } finally {
        store.close();
      }
    });

  program
    .command('classify')
    .description('the emotion of audio files, with the built-in model or a trained one')
    .argument('<files...>', 'audio files')
    .option('--model <dir|run-id|ensemble:id|built-in>', 'exported model folder, a run id, a recorded ensemble, or built-in (default: the built-in model)')
    .option('--window-offsets <list>', WINDOW_OFFSETS_HELP)
    .option('--backend <name>', BACKEND_HELP)
    .option('--db <path>', 'experiment database (to resolve run ids)')
    .option('--json', 'one JSON object per file, one per line')
    .action(async (files: string[], flags: { model?: string; windowOffsets?: string; backend?: string; db?: string; json?: boolean }) => {
      const backend = parseBackend(flags.backend);
      const windowOffsets = await parseWindowOffsetsFlag(flags.windowOffsets);
      const { selectBackend } = await import('../../../native/tf/backends.js');
      const { resolveModelDir, loadExportedModel, classifyFiles } = await import('../../engine/training/exported.js');
      // Only a run id or ensemble:<id> needs the database: the built-in model and folders classify without one.
      const dir = resolveModelDir(flags.model, flags.db ?? defaultDbPath());
      if (!flags.json && (flags.model === undefined || flags.model === BUILTIN_REF)) process.stderr.write(`built-in model: ${dir}\n`);
      await selectBackend(backend ? { backend } : {});
      const m = await loadExportedModel(dir);
      let failures = 0;
      try {
        for (const file of files) {
          try {
            await classifyFiles(
              m,
              [file],
              (r) => {
                if (flags.json) printJson(r);
                else process.stdout.write(`${r.file}: ${r.top} (${pct(r.confidence)})   ${EMOTIONS.map((e) => `${e} ${(100 * r.probs[e]).toFixed(0)}%`).join('  ')}\n`);
                if (r.warning && !flags.json) process.stderr.write(`ser: warning: ${r.file}: ${r.warning}\n`);
              },
              windowOffsets ? { windowOffsets } : {},
            );
          } catch (err) {
            failures++;
            process.stderr.write(`ser: ${(err as Error).message}\n`);
          }
        }
      } finally {
        m.dispose();
      }
      if (failures) process.exitCode = 1;
    });
}
