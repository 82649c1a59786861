/**
 * `ser tune`: fine-tunes a model (a folder, a run's export or the built-in one) on a person's recordings and
 * compares base and tuned model on held-out takes. Heavy modules are imported inside the action.
 */
import type { Command } from 'commander';
import { defaultDataDir } from '../../engine/dataDir.js';
import { defaultDbPath } from '../../engine/store/dbPath.js';
import { BUILTIN_REF } from '../../engine/training/builtinModel.js';
import { FREEZE_MODES, isFreezeMode } from '../../engine/training/freeze.js';
import { defaultTuneOptions, type TuneEvent, type TuneOptions } from '../../engine/training/tuneTypes.js';
import type { TrainEvent } from '../../engine/training/types.js';
import { beforeAfterText } from '../beforeAfterText.js';
import { parseNumber, printJson, UsageError } from '../output.js';
import { formatMs } from '../progress.js';
import { optionHelp, optionRange, parseBackend, parseOption } from '../trainOptions.js';
import { trainPrinter } from '../trainProgress.js';

interface TuneFlags {
  model?: string;
  data?: string;
  holdout?: string;
  epochs?: string;
  freeze?: string;
  lr?: string;
  seed?: string;
  name?: string;
  backend?: string;
  db?: string;
  json?: boolean;
}

function tuneOptionsFrom(f: TuneFlags): TuneOptions {
  if (!f.data) throw new UsageError('--data <dir> is required: the folder of your recordings (<dir>/<emotion>/*.wav)');
  if (f.freeze !== undefined && !isFreezeMode(f.freeze)) throw new UsageError(`--freeze must be one of ${FREEZE_MODES.join(', ')}; got '${f.freeze}'`);
  const backend = parseBackend(f.backend);
  const d = defaultTuneOptions;
  return {
    ...d,
    augment: { ...d.augment },
    ...(f.model !== undefined ? { model: f.model } : {}),
    data: f.data,
    ...(f.name ? { name: f.name } : {}),
    holdout: f.holdout !== undefined ? parseNumber('--holdout', f.holdout, { integer: true, min: 1, max: 1000 }) : d.holdout,
    // The options training has too, with training's bounds (and tuning's defaults).
    epochs: f.epochs !== undefined ? parseOption('epochs', '--epochs', f.epochs) : d.epochs,
    freeze: f.freeze !== undefined && isFreezeMode(f.freeze) ? f.freeze : d.freeze,
    learningRate: f.lr !== undefined ? parseOption('learningRate', '--lr', f.lr) : d.learningRate,
    seed: f.seed !== undefined ? parseOption('seed', '--seed', f.seed) : d.seed,
    ...(backend ? { backend } : {}),
  };
}

export function registerTune(program: Command): void {
  program
    .command('tune')
    .description('fine-tune a model on your recordings; compares base and tuned model on held-out takes')
    .option('--model <dir|run-id|ensemble:id|built-in>', `the base model: an exported model folder, a run id, a recorded ensemble (ensemble:<id>), or ${BUILTIN_REF} (default)`)
    .option('--data <dir>', 'your recordings: <dir>/<emotion>/*.wav (or any dataset `ser dataset scan` reads)')
    .option('--holdout <n>', `takes per emotion kept aside for the before/after comparison (default ${defaultTuneOptions.holdout})`)
    .option('--epochs <n>', `passes over the takes (${optionRange('epochs')}; default ${defaultTuneOptions.epochs})`)
    .option('--freeze <what>', `cnn: train only the LSTM and the output layer (default); lstm: only the output layer; none: every layer`)
    .option('--lr <x>', `learning rate (${optionRange('learningRate')}; default ${defaultTuneOptions.learningRate})`)
    .option('--seed <n>', `seed of the held-out choice, noise copies, order and dropout (${optionRange('seed')}; default ${defaultTuneOptions.seed})`)
    .option('--name <name>', 'run name')
    .option('--backend <name>', optionHelp('backend'))
    .option('--db <path>', 'experiment database (default: SER_DB or experiments.db)')
    .option('--json', 'one JSON event per line; the last is {"event":"finished",…} with before/after')
    .action(async (flags: TuneFlags) => {
      const options = tuneOptionsFrom(flags);
      const { startTuning } = await import('../../engine/training/tuneSession.js');
      const handle = startTuning(options, { dbPath: flags.db ?? defaultDbPath(), dataDir: defaultDataDir() });
      let interrupted = 0;
      // First Ctrl-C: stop the worker, the run becomes cancelled; a second one while it stops: exit now.
      const onSigint = () => (++interrupted === 1 ? void handle.cancel() : process.exit(130));
      process.on('SIGINT', onSigint);
      const printer = trainPrinter();
      handle.onEvent((e: TuneEvent) => {
        if (flags.json) printJson(e);
        else if (e.event === 'started') {
          printer.stop();
          process.stdout.write(`run ${e.runId} "${e.name}" on ${e.backend}: tuning on ${e.trainSize} samples (takes and their noisy copies), ${e.testSize} takes held out; ${e.batchesPerEpoch} batches per epoch\n`);
        } else if (e.event !== 'finished') printer.onEvent(e as TrainEvent);
      });
      const final = await handle.done;
      process.off('SIGINT', onSigint);
      printer.stop();
      if (final.event === 'failed') {
        process.stderr.write(`ser: ${final.error}\n`);
        process.exitCode = 1;
        return;
      }
      if (final.event === 'cancelled') {
        process.exitCode = 130;
        return;
      }
      if (final.event === 'finished' && !flags.json) {
        process.stdout.write(`\nrun ${final.runId} (tune) finished in ${formatMs(final.durationMs)}\n\n${beforeAfterText(final.before, final.after, final.heldOut)}\n\nmodel: ${final.modelDir}\n`);
      }
    });
}
