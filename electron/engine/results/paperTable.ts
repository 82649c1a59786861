/**
 * The paper's results table (epochs, training time, accuracy) for any set of stored runs, with the split type
 * in every row — the paper's 93.9 % was measured on a random split whose test speakers were also training
 * speakers, so a row that does not say which split it used invites the wrong comparison. Pure: records in,
 * plain data out; `ser runs --table` and the UI (through the API) both print what this returns.
 */
import type { EpochRecord, EvaluationRecord, RunRecord, RunStatus } from '../store/types.js';
import { PAPER_PROTOCOL, PAPER_RESULTS, PAPER_SOURCE, PROJECTED_EPOCHS, type PaperReferenceRow } from './paperReference.js';

export type SplitType = 'random' | 'speaker' | 'all' | 'unknown';

/** Words shown wherever a split type is: the random split is the paper's protocol, and it shares speakers. */
export const SPLIT_LABELS: Readonly<Record<SplitType, string>> = {
  random: 'random (speakers shared)',
  speaker: 'speaker-independent',
  // Every clip trained: the row has no test figure, the recipe's is its cross-validation (`ser cv`).
  all: 'all (no test part)',
  unknown: 'unknown split',
};

/** One run as the table needs it: its record, its epochs, its evaluations (any order of recording). */
export interface RunResultsInput {
  run: RunRecord;
  epochs: readonly EpochRecord[];
  evaluations: readonly EvaluationRecord[];
}

export interface PaperTableRow {
  runId: number;
  name: string;
  status: RunStatus;
  split: SplitType;
  splitLabel: string;
  /** Speakers of the test part (for a random split: every speaker, all also in training; for `all`: none); null if unrecorded. */
  testSpeakers: string[] | null;
  /** Training samples per epoch (clips plus noisy copies): what an epoch's time scales with. */
  trainSamples: number | null;
  /** Epochs trained (stored). */
  epochs: number;
  /** Sum of the epochs' durations: training proper, as the paper's "training time". */
  trainingMs: number | null;
  /** First start to end (or to now while running): adds feature extraction, testing and any gap between resumed sessions. */
  wallMs: number | null;
  msPerEpoch: number | null;
  /** Latest test evaluation, 0..1. */
  testAccuracy: number | null;
  uar: number | null;
}

export interface PaperRow extends PaperReferenceRow {
  splitLabel: string;
}

/** What the paper's epoch budgets would take at a run's measured speed, on the machine and data it ran on. */
export interface EpochProjection {
  runId: number;
  msPerEpoch: number;
  trainSamples: number | null;
  epochs200Ms: number;
  epochs600Ms: number;
  epochs1400Ms: number;
}

export interface PaperTable {
  rows: PaperTableRow[];
  /** The paper's reported rows, every one a random split. */
  paper: PaperRow[];
  projection: EpochProjection[];
  source: string;
  paperProtocol: string;
}

export interface PaperTableOptions {
  /** Clock for the wall time of runs still going (default: Date.now()). */
  now?: number;
}

function splitTypeOf(run: RunRecord): SplitType {
  // The stored split says what happened; the config what was asked (older runs may lack the split's kind).
  const stored = run.split?.kind;
  const asked = (run.config as { split?: { kind?: unknown } } | null)?.split?.kind;
  for (const k of [stored, asked]) if (k === 'random' || k === 'speaker' || k === 'all') return k;
  return 'unknown';
}

function stringList(v: unknown): string[] | null {
  return Array.isArray(v) && v.every((s) => typeof s === 'string') ? [...(v as string[])] : null;
}

function wallMs(run: RunRecord, now: number): number | null {
  if (run.startedAt === null) return null;
  const start = Date.parse(run.startedAt);
  if (run.endedAt !== null) return Date.parse(run.endedAt) - start;
  return run.status === 'running' ? now - start : null;
}

export function paperTableRow(input: RunResultsInput, opts: PaperTableOptions = {}): PaperTableRow {
  const { run, epochs, evaluations } = input;
  const timed = epochs.filter((e) => e.durationMs !== null);
  // Whole milliseconds: finer than any epoch is timed, and the JSON stays readable.
  const trainingMs = timed.length ? Math.round(timed.reduce((s, e) => s + e.durationMs!, 0)) : null;
  const test = evaluations.filter((e) => e.split === 'test').reduce<EvaluationRecord | null>((latest, e) => (latest === null || e.id > latest.id ? e : latest), null);
  const split = splitTypeOf(run);
  const trainSamples = run.split?.trainSamples;
  return {
    runId: run.id,
    name: run.name,
    status: run.status,
    split,
    splitLabel: SPLIT_LABELS[split],
    testSpeakers: stringList(run.split?.testSpeakers),
    trainSamples: typeof trainSamples === 'number' ? trainSamples : null,
    epochs: epochs.length,
    trainingMs,
    wallMs: wallMs(run, opts.now ?? Date.now()),
    msPerEpoch: trainingMs === null ? null : Math.round(trainingMs / timed.length),
    testAccuracy: test?.accuracy ?? null,
    uar: test?.uar ?? null,
  };
}

export function buildPaperTable(inputs: readonly RunResultsInput[], opts: PaperTableOptions = {}): PaperTable {
  const rows = inputs.map((i) => paperTableRow(i, opts));
  const [e200, e600, e1400] = PROJECTED_EPOCHS;
  const projection = rows
    .filter((r): r is PaperTableRow & { msPerEpoch: number } => r.msPerEpoch !== null)
    .map((r) => ({
      runId: r.runId,
      msPerEpoch: r.msPerEpoch,
      trainSamples: r.trainSamples,
      epochs200Ms: r.msPerEpoch * e200,
      epochs600Ms: r.msPerEpoch * e600,
      epochs1400Ms: r.msPerEpoch * e1400,
    }));
  return {
    rows,
    paper: PAPER_RESULTS.map((p) => ({ ...p, splitLabel: SPLIT_LABELS[p.split] })),
    projection,
    source: PAPER_SOURCE,
    paperProtocol: PAPER_PROTOCOL,
  };
}
