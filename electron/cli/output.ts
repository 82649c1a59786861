/** Small helpers shared by the verbs: JSON output, option parsing and usage errors. */

/** A usage mistake (bad option value): exit code 2 with a one-line reason. */
export class UsageError extends Error {}

/** Prints one JSON object on one line (the `--json` contract: one object, or one event per line). */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

export function parseNumber(name: string, raw: string, opts: { min?: number; max?: number; integer?: boolean } = {}): number {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) throw new UsageError(`option ${name} expects a number, got '${raw}'`);
  if (opts.integer && !Number.isInteger(v)) throw new UsageError(`option ${name} expects an integer, got '${raw}'`);
  if (opts.min !== undefined && v < opts.min) throw new UsageError(`option ${name} must be ≥ ${opts.min}, got ${raw}`);
  if (opts.max !== undefined && v > opts.max) throw new UsageError(`option ${name} must be ≤ ${opts.max}, got ${raw}`);
  return v;
}

/** Rounds for display / JSON so that outputs stay compact without losing what matters (4 decimals for dB). */
export function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** `--queue <url>`: a malformed work queue URL is a usage error (exit 2), told without its password. */
export async function checkQueueUrl(url: string): Promise<void> {
  const { redisOptions } = await import('../services/redisUrl.js');
  try {
    redisOptions(url);
  } catch (err) {
    throw new UsageError(`--queue: ${(err as Error).message}`);
  }
}

/** A record id given on the command line (`what`: "run", "run group", "sweep"): a positive integer, else a usage error. */
export function parseId(what: string, raw: string): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) throw new UsageError(`a ${what} id is a positive integer, got '${raw}'`);
  return Number(raw);
}

/** The flags of subcommands that only read the experiment database. */
export interface DbFlags {
  db?: string;
  json?: boolean;
}

export const DB_HELP = 'experiment database (default: SER_DB or experiments.db)';

const WINDOWS = 'classify each file over 3 s windows starting at these offsets, s (e.g. 0.3,0.4,0.5,0.6,0.7), combined by mean log-probability';

/** `--window-offsets` of classify and eval: read files with these windows now. */
export const WINDOW_OFFSETS_HELP = `${WINDOWS}; default: the model's own (the built-in model's 5), else 0.5`;

/** `--window-offsets` of ensemble: record the windows in the model, for every later classify and eval. */
export const WINDOW_OFFSETS_RECORD_HELP = `recorded in the ensemble's metadata: ${WINDOWS} (default: one window, at 0.5 s)`;

/** Parses `--window-offsets`; a bad list is a usage error (exit 2). */
export async function parseWindowOffsetsFlag(raw: string | undefined): Promise<number[] | undefined> {
  if (raw === undefined) return undefined;
  const { parseWindowOffsets } = await import('../engine/training/windowOffsets.js');
  try {
    return parseWindowOffsets(raw);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
