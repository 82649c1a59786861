/** Turns stored epochs into chart series (pure). Stored epochs count from 0; people count from 1. */
import type { EpochRecord } from '../../../electron/contract/contract.js';

export interface Series {
  label: string;
  data: Array<{ x: number; y: number | null }>;
  color: string;
  dashed?: boolean;
}

export const PALETTE = ['#4f7cff', '#e4572e', '#17a398', '#f3a712', '#8e6bd8', '#d6336c', '#5c940d', '#495057'];

export function curves(epochs: readonly EpochRecord[], which: 'loss' | 'accuracy', color = PALETTE[0]!, color2 = PALETTE[1]!, prefix = ''): Series[] {
  const tr = which === 'loss' ? (e: EpochRecord) => e.trainLoss : (e: EpochRecord) => e.trainAccuracy;
  const va = which === 'loss' ? (e: EpochRecord) => e.valLoss : (e: EpochRecord) => e.valAccuracy;
  return [
    { label: `${prefix}train ${which}`, data: epochs.map((e) => ({ x: e.epoch + 1, y: tr(e) })), color },
    { label: `${prefix}val ${which}`, data: epochs.map((e) => ({ x: e.epoch + 1, y: va(e) })), color: color2, dashed: true },
  ];
}
