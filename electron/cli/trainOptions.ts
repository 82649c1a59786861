/**
 * The training flags `ser train` and `ser cv` share (one list, one parser): data, optimisation, augmentation, model
 * and backend. Each verb adds its own split, `--name`, `--resume`, `--db` and `--json`.
 */
import type { Command } from 'commander';
import type { SplitSpec } from '../engine/dataset/splits.js';
import type { TrainOptions } from '../engine/training/types.js';
import { parseNumber, UsageError } from './output.js';

export interface TrainFlags {
  data?: string;
  epochs: string;
  batchSize: string;
  microBatch?: string;
  lr: string;
  optimizer: string;
  momentum: string;
  weightDecay: string;
  schedule: string;
  earlyStop?: string;
  earlyStopMetric: string;
  augmentCopies: string;
  snr: string;
  specAugment?: string;
  seed: string;
  backend?: string;
  workers?: string;
  model?: string;
  includeSong?: boolean;
}

/** Attribute names (camelCase) of the options `addTrainOptions` adds, e.g. to tell which a user gave. */
export const TRAIN_OPTION_KEYS = [
  'data', 'epochs', 'batchSize', 'microBatch', 'lr', 'optimizer', 'momentum', 'weightDecay', 'schedule', 'earlyStop', 'earlyStopMetric',
  'augmentCopies', 'snr', 'specAugment', 'seed', 'backend', 'workers', 'model', 'includeSong',
] as const satisfies ReadonlyArray<keyof TrainFlags>;

export function addTrainOptions(cmd: Command, opts: { workersHelp?: string } = {}): Command {
  return cmd
    .option('--data <dir>', 'dataset folder (RAVDESS, CREMA-D, TESS, SAVEE or folder-per-label)')
    .option('--epochs <n>', 'epochs', '50')
    .option('--batch-size <n>', 'effective batch size (the reference: 32)', '32')
    .option('--micro-batch <n>', 'samples per forward/backward pass (memory); default 8 on wasm/cpu')
    .option('--lr <x>', 'learning rate', '0.01')
    .option('--optimizer <name>', 'sgd (momentum, the reference) or adam', 'sgd')
    .option('--momentum <x>', 'SGD momentum', '0.8')
    .option('--weight-decay <x>', 'weight decay (L2 penalty wd/2·‖w‖²)', '0.001')
    .option('--schedule <spec>', 'lr schedule: constant | step:N:gamma | cosine[:minLr] | plateau[:factor:patience[:minLr]]', 'constant')
    .option('--early-stop <patience>', 'stop after this many epochs without improvement, restoring the best weights')
    .option('--early-stop-metric <m>', 'valAccuracy or valLoss', 'valAccuracy')
    .option('--augment-copies <n>', 'noisy (AWGN) copies per training clip', '2')
    .option('--snr <low:high>', 'AWGN SNR range in dB, integer drawn from [low, high)', '15:30')
    .option('--spec-augment <F:W,T:W>', 'SpecAugment masks on training clips: F frequency masks up to W mel rows, T time masks up to W frames, e.g. 2:16,2:40 (default: none, as the paper)')
    .option('--seed <n>', 'random seed (split, augmentation, initialisation, data order, dropout)', '42')
    .option('--backend <name>', 'tensorflow-gpu | tensorflow | wasm | cpu (default: first that loads)')
    .option('--workers <n>', opts.workersHelp ?? 'training threads on wasm/cpu, each taking a slice of every batch (default: one per core; 1 = single thread)')
    .option('--model <json>', 'model config overrides, e.g. \'{"filters":[8,16,16,32],"lstmUnits":32}\'')
    .option('--include-song', 'keep RAVDESS song clips');
}

/** The engine's TrainOptions from the flags; `split` makes the verb's split from the parsed seed. */
export async function buildTrainOptions(f: TrainFlags, split: (seed: number) => SplitSpec, missingData: string): Promise<TrainOptions> {
  if (!f.data) throw new UsageError(missingData);
  const { parseSchedule } = await import('../engine/training/schedule.js');
  const { isBackendName } = await import('../../native/tf/backends.js');
  if (f.optimizer !== 'sgd' && f.optimizer !== 'adam') throw new UsageError(`--optimizer must be sgd or adam, got '${f.optimizer}'`);
  if (f.backend && !isBackendName(f.backend)) throw new UsageError(`--backend must be one of tensorflow-gpu, tensorflow, wasm, cpu; got '${f.backend}'`);
  const snr = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(f.snr);
  if (!snr) throw new UsageError(`--snr expects low:high in dB, e.g. 15:30; got '${f.snr}'`);
  if (!(Number(snr[1]) < Number(snr[2]))) throw new UsageError(`--snr expects low:high with low < high (an SNR is drawn from [low, high)), e.g. 15:30; got '${f.snr}'`);
  const seed = parseNumber('--seed', f.seed, { integer: true, min: 0 });
  let schedule;
  try {
    schedule = parseSchedule(f.schedule);
  } catch (err) {
    throw new UsageError(`--schedule: ${(err as Error).message}`);
  }
  let model: TrainOptions['model'];
  if (f.model) {
    try {
      model = JSON.parse(f.model) as TrainOptions['model'];
    } catch {
      throw new UsageError(`--model expects JSON, e.g. '{"filters":[8,16,16,32],"lstmUnits":32}'`);
    }
  }
  let specAugment: TrainOptions['specAugment'];
  if (f.specAugment) {
    const { parseSpecAugment } = await import('../engine/audio/specAugment.js');
    try {
      specAugment = parseSpecAugment(f.specAugment);
    } catch (err) {
      throw new UsageError(`--spec-augment: ${(err as Error).message}`);
    }
  }
  if (f.earlyStopMetric !== 'valAccuracy' && f.earlyStopMetric !== 'valLoss') throw new UsageError('--early-stop-metric must be valAccuracy or valLoss');
  return {
    data: f.data,
    epochs: parseNumber('--epochs', f.epochs, { integer: true, min: 1, max: 100000 }),
    batchSize: parseNumber('--batch-size', f.batchSize, { integer: true, min: 1, max: 4096 }),
    ...(f.microBatch ? { microBatch: parseNumber('--micro-batch', f.microBatch, { integer: true, min: 1 }) } : {}),
    optimizer: f.optimizer,
    learningRate: parseNumber('--lr', f.lr, { min: 1e-9, max: 10 }),
    momentum: parseNumber('--momentum', f.momentum, { min: 0, max: 0.9999 }),
    weightDecay: parseNumber('--weight-decay', f.weightDecay, { min: 0, max: 1 }),
    schedule,
    ...(f.earlyStop ? { earlyStopping: { patience: parseNumber('--early-stop', f.earlyStop, { integer: true, min: 1 }), metric: f.earlyStopMetric } } : {}),
    split: split(seed),
    augment: { copies: parseNumber('--augment-copies', f.augmentCopies, { integer: true, min: 0, max: 20 }), snrLow: Number(snr[1]), snrHigh: Number(snr[2]) },
    ...(specAugment ? { specAugment } : {}),
    seed,
    ...(f.backend ? { backend: f.backend as NonNullable<TrainOptions['backend']> } : {}),
    ...(f.workers ? { workers: parseWorkers(f.workers) } : {}),
    ...(model ? { model } : {}),
    ...(f.includeSong ? { includeSong: true } : {}),
  };
}

export function parseWorkers(raw: string): number {
  return parseNumber('--workers', raw, { integer: true, min: 1, max: 256 });
}
