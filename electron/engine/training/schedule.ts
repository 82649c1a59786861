/**
 * Learning-rate schedules, evaluated at the start of each epoch (0-based). Step and cosine are pure functions
 * of the epoch; reduce-on-plateau keeps a small state that is checkpointed with the run.
 */
import type { LrSchedule } from './types.js';

export interface PlateauState {
  best: number;
  badEpochs: number;
  lr: number;
}

export function initialPlateau(baseLr: number): PlateauState {
  return { best: Infinity, badEpochs: 0, lr: baseLr };
}

/** Learning rate for `epoch` of `epochs` under `schedule` (plateau: the state's current value). */
export function learningRateAt(schedule: LrSchedule, baseLr: number, epoch: number, epochs: number, plateau?: PlateauState): number {
  switch (schedule.kind) {
    case 'constant':
      return baseLr;
    case 'step':
      return baseLr * schedule.gamma ** Math.floor(epoch / Math.max(1, schedule.stepSize));
    case 'cosine': {
      const t = epochs <= 1 ? 0 : epoch / (epochs - 1);
      return schedule.minLr + 0.5 * (baseLr - schedule.minLr) * (1 + Math.cos(Math.PI * t));
    }
    case 'plateau':
      return plateau?.lr ?? baseLr;
  }
}

/** Reduce-on-plateau update after an epoch with validation loss `valLoss` (lower is better). */
export function updatePlateau(schedule: Extract<LrSchedule, { kind: 'plateau' }>, state: PlateauState, valLoss: number): PlateauState {
  if (valLoss < state.best - 1e-4) return { best: valLoss, badEpochs: 0, lr: state.lr };
  const bad = state.badEpochs + 1;
  if (bad > schedule.patience) return { best: state.best, badEpochs: 0, lr: Math.max(schedule.minLr, state.lr * schedule.factor) };
  return { ...state, badEpochs: bad };
}

/** Parses CLI schedule specs: "constant", "step:10:0.5", "cosine[:minLr]", "plateau[:factor:patience[:minLr]]". */
export function parseSchedule(spec: string): LrSchedule {
  const [kind, ...args] = spec.split(':');
  const num = (i: number, d: number) => {
    if (args[i] === undefined || args[i] === '') return d;
    const v = Number(args[i]);
    if (!Number.isFinite(v)) throw new RangeError(`bad number '${args[i]}' in schedule '${spec}'`);
    return v;
  };
  switch (kind) {
    case 'constant':
    case 'none':
      return { kind: 'constant' };
    case 'step':
      return { kind: 'step', stepSize: num(0, 30), gamma: num(1, 0.5) };
    case 'cosine':
      return { kind: 'cosine', minLr: num(0, 0) };
    case 'plateau':
      return { kind: 'plateau', factor: num(0, 0.5), patience: num(1, 5), minLr: num(2, 1e-5) };
    default:
      throw new RangeError(`unknown schedule '${spec}' (constant, step:N:gamma, cosine[:minLr], plateau[:factor:patience[:minLr]])`);
  }
}
