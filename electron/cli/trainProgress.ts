/** What `ser train` and `ser cv` show a person while a run trains: preparation bars, a bar per epoch, a line per epoch. */
import type { TrainEvent } from '../engine/training/types.js';
import { pct } from './metricsTable.js';
import { formatMs, progressBar, type Bar } from './progress.js';

export interface EpochLine {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valAccuracy: number | null;
  durationMs: number;
}

export interface TrainPrinter {
  onEvent(e: TrainEvent): void;
  /** The epochs seen, for the summary table. */
  readonly epochs: EpochLine[];
  stop(): void;
}

/** `indent` prefixes every line (the folds of `ser cv`). */
export function trainPrinter(opts: { indent?: string } = {}): TrainPrinter {
  const indent = opts.indent ?? '';
  const out = (s: string) => process.stdout.write(indent + s);
  let bar: Bar | undefined;
  let barEpoch = -1;
  let lastPrep = '';
  const epochs: EpochLine[] = [];
  return {
    epochs,
    stop: () => bar?.stop(),
    onEvent(e) {
      switch (e.event) {
        case 'preparing':
          if (e.stage !== lastPrep) {
            bar?.stop();
            bar = progressBar(`${indent}${e.stage === 'scan' ? 'scanning  ' : 'features  '}`, e.total);
            lastPrep = e.stage;
          }
          bar?.update(e.done, { detail: '' });
          break;
        case 'started':
          bar?.stop();
          bar = undefined;
          out(`run ${e.runId} "${e.name}" on ${e.backend}${e.workers > 1 ? ` × ${e.workers} workers` : ''}: ${e.trainSize} training samples, ${e.valSize} validation, ${e.testSize} test; ${e.batchesPerEpoch} batches per epoch${e.resumed ? `; resuming at epoch ${e.startEpoch + 1}` : ''}\n`);
          break;
        case 'batch':
          if (e.epoch !== barEpoch) {
            bar?.stop();
            bar = progressBar('', e.batches, { format: `${indent}epoch ${e.epoch + 1} {bar} {value}/{total} | loss {loss} acc {acc} | {sps} samples/s | ETA {eta_formatted}` });
            barEpoch = e.epoch;
          }
          bar?.update(e.batch, { loss: e.loss.toFixed(3), acc: pct(e.accuracy), sps: e.samplesPerSec.toFixed(1) });
          break;
        case 'epoch':
          bar?.stop();
          bar = undefined;
          barEpoch = -1;
          epochs.push({ epoch: e.epoch, trainLoss: e.trainLoss, trainAccuracy: e.trainAccuracy, valAccuracy: e.valAccuracy, durationMs: e.durationMs });
          out(
            `epoch ${String(e.epoch + 1).padStart(String(e.epochs).length)}/${e.epochs}  train loss ${e.trainLoss.toFixed(4)} acc ${pct(e.trainAccuracy)}  val loss ${e.valLoss === null ? '—' : e.valLoss.toFixed(4)} acc ${pct(e.valAccuracy)} UAR ${pct(e.valUar)}  lr ${e.lr.toPrecision(3)}  ${formatMs(e.durationMs)}  ETA ${formatMs(e.etaMs)}\n`,
          );
          break;
        case 'paused':
          out(`paused at epoch ${e.epoch + 1}\n`);
          break;
        case 'cancelled':
          bar?.stop();
          out(`run ${e.runId} stopped; its last checkpoint is kept\n`);
          break;
        case 'failed':
        case 'finished':
          bar?.stop();
          break;
        default:
          break;
      }
    },
  };
}
