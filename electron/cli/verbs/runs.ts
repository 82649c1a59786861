/**
 * `ser runs`: the experiment history kept in the SQLite store.
 *   ser runs [--json]                     list, newest first (a cross-validation: one line, its folds beneath)
 *   ser runs --table [ids…|--tag t] [--json]  the paper's table (epochs, training time, accuracy) with split types
 *   ser runs show <id> [--json]           one run: config, split, epochs, evaluations
 *   ser runs export <id> --format csv|json
 *   ser runs delete <id> [--yes]
 *   ser runs tag <id> <tag...> · untag <id> <tag> · note <id> <text...>
 * Every subcommand takes --db <path> (default: SER_DB, else the app's experiments.db). The runs service does the
 * work (as for the app); this file parses, prints and asks before deleting.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { SerError } from '../../shared/errors.js';
import { defaultDbPath } from '../../engine/store/dbPath.js';
import { openStore } from '../../engine/store/store.js';
import type { RunGroupRow } from '../../contract/types.js';
import type { EpochRecord, EvaluationRecord, RunRecord, RunSummary } from '../../engine/store/types.js';
import { buildPaperTable, type PaperTable } from '../../engine/results/paperTable.js';
import type { RunSelection } from '../../engine/results/runSelection.js';
import { NO_TRAINING, RunsService } from '../../services/runs.js';
import { paperTableText } from '../paperTableText.js';
import { UsageError, parseId, printJson } from '../output.js';
import { formatDuration, table } from '../textTable.js';

interface DbOptions {
  db?: string;
  json?: boolean;
}

interface ListOptions extends DbOptions {
  table?: boolean;
  tag?: string;
}

/** The `ser runs --json` contract: exactly these keys, nulls where unknown. */
export interface RunListItem {
  id: number;
  name: string;
  status: string;
  /** 'train' or 'tune' (fine-tuned from another model, see `ser runs show`). */
  kind: string;
  epochsDone: number;
  bestValAccuracy: number | null;
  testAccuracy: number | null;
  durationMs: number | null;
  backend: string | null;
  startedAt: string | null;
}

export function toListItem(r: RunSummary): RunListItem {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    kind: r.kind,
    epochsDone: r.epochsDone,
    bestValAccuracy: r.bestValAccuracy,
    testAccuracy: r.testAccuracy,
    durationMs: r.durationMs,
    backend: r.backend,
    startedAt: r.startedAt,
  };
}

function dbPath(opts: DbOptions): string {
  return opts.db ?? defaultDbPath();
}


/** The runs service over the store, for one command; the store is always closed. A missing file is "no such run", not a new DB. */
function withRuns<T>(opts: DbOptions, fn: (runs: RunsService) => T): T {
  const store = openStore(dbPath(opts), { mustExist: true });
  try {
    return fn(new RunsService({ store }, NO_TRAINING));
  } catch (err) {
    // "No run 7" names the database here: with --db and SER_DB it is not always the one the user thinks.
    if (err instanceof SerError && err.code === 'not-found' && err.details?.['id'] !== undefined) throw new SerError('not-found', `${err.message} in ${store.path}`, err.details);
    throw err;
  } finally {
    store.close();
  }
}

function missingDbAsNoRun(opts: DbOptions, id: number): void {
  const path = dbPath(opts);
  if (!existsSync(path)) throw new SerError('not-found', `no run with id ${id} (no database at ${path}; pass --db or set SER_DB)`, { id });
}

// ---------- formatting ----------

function pct(v: number | null): string {
  return v === null ? '–' : `${(v * 100).toFixed(1)}%`;
}

function num(v: number | null, digits: number): string {
  return v === null ? '–' : v.toFixed(digits);
}

function localTime(isoString: string | null): string {
  if (isoString === null) return '–';
  const d = new Date(isoString);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max - 1) + '…';
}

/** `group`: the cross-validation the run is a fold of (its name, prefix of the fold's, is not repeated). */
function runCells(r: RunSummary, group?: RunGroupRow): string[] {
  const name = group && r.name.startsWith(`${group.name} · `) ? r.name.slice(group.name.length + 3) : r.name;
  return [
    String(r.id),
    group ? `  └ ${truncate(name, 28)}` : truncate(name, 32),
    r.status,
    String(r.epochsDone),
    pct(r.bestValAccuracy),
    pct(r.testAccuracy),
    formatDuration(r.durationMs),
    r.backend ?? '–',
    localTime(r.startedAt),
  ];
}

/** A cross-validation group's line: its folds' mean ± sd test accuracy, total time; its fold runs follow, indented. */
function groupCells(g: RunGroupRow, runs: RunSummary[]): string[] {
  const s = g.summary;
  const durations = runs.map((r) => r.durationMs).filter((d): d is number => d !== null);
  return [
    `cv ${g.id}`,
    truncate(`${g.name} (${g.folds} folds)`, 32),
    g.status,
    String(runs.reduce((a, r) => a + r.epochsDone, 0)),
    '–',
    s ? `${(100 * s.mean.accuracy).toFixed(1)}±${(100 * s.sd.accuracy).toFixed(1)}%` : '–',
    durations.length ? formatDuration(durations.reduce((a, b) => a + b, 0)) : '–',
    runs.find((r) => r.backend)?.backend ?? '–',
    localTime(g.startedAt),
  ];
}

function listTable(runs: RunSummary[], groups: RunGroupRow[]): string {
  // Lone runs and groups interleaved newest first; a group sorts by its newest fold (or its own start).
  const time = (iso: string | null) => (iso === null ? 0 : Date.parse(iso));
  const members = new Map<number, RunSummary[]>(groups.map((g) => [g.id, []]));
  for (const r of runs) if (r.groupId !== null) members.get(r.groupId)?.push(r);
  const entries: Array<{ t: number; rows: string[][] }> = [];
  for (const r of runs) if (r.groupId === null || !members.has(r.groupId)) entries.push({ t: time(r.startedAt ?? r.createdAt), rows: [runCells(r)] });
  for (const g of groups) {
    const folds = members.get(g.id)!.sort((a, b) => (a.fold ?? 0) - (b.fold ?? 0) || a.id - b.id);
    const t = Math.max(time(g.startedAt ?? g.createdAt), ...folds.map((r) => time(r.startedAt ?? r.createdAt)));
    entries.push({ t, rows: [groupCells(g, folds), ...folds.map((r) => runCells(r, g))] });
  }
  entries.sort((a, b) => b.t - a.t);
  return table(['ID', 'NAME', 'STATUS', 'EPOCHS', 'BEST VAL', 'TEST', 'DURATION', 'BACKEND', 'STARTED'], entries.flatMap((e) => e.rows), new Set([0, 3, 4, 5, 6]));
}

function epochsTable(epochs: EpochRecord[]): string {
  return table(
    ['EPOCH', 'TRAIN LOSS', 'TRAIN ACC', 'VAL LOSS', 'VAL ACC', 'LR', 'TIME', 'SAMPLES/S'],
    epochs.map((e) => [
      String(e.epoch),
      num(e.trainLoss, 4),
      pct(e.trainAccuracy),
      num(e.valLoss, 4),
      pct(e.valAccuracy),
      e.learningRate === null ? '–' : e.learningRate.toExponential(2),
      formatDuration(e.durationMs),
      num(e.samplesPerSec, 1),
    ]),
    new Set([0, 1, 2, 3, 4, 5, 6, 7]),
  );
}

function speakers(list: unknown): string {
  if (!Array.isArray(list)) return '–';
  const shown = list.slice(0, 8).map(String).join(', ');
  return `${list.length} (${shown}${list.length > 8 ? ', …' : ''})`;
}

function showText(run: RunRecord, epochs: EpochRecord[], evaluations: EvaluationRecord[]): string {
  const out: string[] = [];
  const field = (k: string, v: string) => out.push(`  ${k.padEnd(10)} ${v}`);
  out.push(`run ${run.id}  ${run.name}  [${run.status}]`);
  field('created', localTime(run.createdAt));
  field('started', localTime(run.startedAt));
  field('ended', localTime(run.endedAt));
  if (run.startedAt && run.endedAt) field('duration', formatDuration(Date.parse(run.endedAt) - Date.parse(run.startedAt)));
  field('backend', run.backend ? `${run.backend}${run.workers !== null ? ` × ${run.workers} worker${run.workers === 1 ? '' : 's'}` : ''}` : '–');
  field('seed', run.seed === null ? '–' : String(run.seed));
  field('dataset', run.datasetId === null ? '–' : `#${run.datasetId}${run.datasetFingerprint ? `  fingerprint ${run.datasetFingerprint}` : ''}`);
  field('app', run.appVersion);
  if (run.pid !== null) field('process', `pid ${run.pid}${run.host ? ` on ${run.host}` : ''}`);
  if (run.kind === 'tune') field('tuned from', `${run.parentRunId !== null ? `run ${run.parentRunId}, ` : ''}${run.parentModel ?? '–'}`);
  if (run.groupId !== null) field('group', `cross-validation ${run.groupId}, fold ${(run.fold ?? 0) + 1} (ser cv show ${run.groupId})`);
  field('tags', run.tags.length ? run.tags.join(', ') : '–');
  if (run.notes) field('notes', run.notes);
  if (run.error) field('error', run.error);
  if (run.split) {
    field('split', `train ${speakers(run.split.trainSpeakers)}`);
    field('', `val   ${speakers(run.split.valSpeakers)}`);
    field('', `test  ${speakers(run.split.testSpeakers)}`);
  }
  out.push('config');
  out.push(...JSON.stringify(run.config, null, 2).split('\n').map((l) => `  ${l}`));
  out.push(`epochs (${epochs.length})`);
  if (epochs.length) out.push(...epochsTable(epochs).trimEnd().split('\n').map((l) => `  ${l}`));
  out.push(`evaluations (${evaluations.length})`);
  for (const e of evaluations) {
    out.push(
      `  ${e.split.padEnd(4)} epoch ${e.epoch ?? '–'}: accuracy ${pct(e.accuracy)}, UAR ${pct(e.uar)}, macro F1 ${num(e.macroF1, 3)}, weighted F1 ${num(e.weightedF1, 3)}`,
    );
  }
  return out.join('\n') + '\n';
}

const CSV_COLUMNS = ['run_id', 'epoch', 'train_loss', 'train_accuracy', 'val_loss', 'val_accuracy', 'learning_rate', 'duration_ms', 'samples_per_sec', 'created_at'] as const;

export function epochsCsv(epochs: EpochRecord[]): string {
  const cell = (v: number | string | null) => (v === null ? '' : String(v));
  const lines = [CSV_COLUMNS.join(',')];
  for (const e of epochs) {
    lines.push(
      [e.runId, e.epoch, e.trainLoss, e.trainAccuracy, e.valLoss, e.valAccuracy, e.learningRate, e.durationMs, e.samplesPerSec, e.createdAt].map(cell).join(','),
    );
  }
  return lines.join('\n') + '\n';
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** `ser runs --table`: ids, or --tag, or every run; the paper's rows come along even when no run does. */
function printPaperTable(opts: ListOptions, rawIds: string[]): void {
  if (rawIds.length && opts.tag) throw new UsageError('give run ids or --tag, not both');
  const ids = rawIds.flatMap((a) => a.split(',')).filter((a) => a.trim() !== '').map((raw) => parseId('run', raw));
  const selection: RunSelection = ids.length ? { ids } : opts.tag ? { tag: opts.tag } : { all: true };
  let result: PaperTable;
  if (!existsSync(dbPath(opts))) {
    if (ids.length) missingDbAsNoRun(opts, ids[0]!);
    result = buildPaperTable([]);
  } else {
    result = withRuns(opts, (runs) => runs.paperTable(selection));
  }
  if (opts.json) printJson(result);
  else process.stdout.write(paperTableText(result));
}

// ---------- commands ----------

const DB_HELP = 'experiments database (default: $SER_DB, else experiments.db of the app)';

/** `ser runs show <id>`: one run with its config, split, epochs and evaluations. */
function addShow(runs: Command): void {
  runs
    .command('show')
    .description('one run with its config, split, epochs and evaluations')
    .argument('<id>', 'run id')
    .option('--json', 'print one JSON object: the run, plus epochs and evaluations')
    .option('--db <path>', DB_HELP)
    .action((rawId: string, _o: DbOptions, cmd: Command) => {
      const opts = cmd.optsWithGlobals<DbOptions>();
      const id = parseId('run', rawId);
      missingDbAsNoRun(opts, id);
      const detail = withRuns(opts, (runs) => runs.record(id));
      if (opts.json) printJson(detail);
      else process.stdout.write(showText(detail, detail.epochs, detail.evaluations));
    });
}

/** `ser runs export <id>`: its epochs as CSV, or the run as JSON. */
function addExport(runs: Command): void {
  runs
    .command('export')
    .description('export a run: csv = one row per epoch; json = the run with epochs and evaluations')
    .argument('<id>', 'run id')
    .option('--format <format>', 'csv or json', 'csv')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--db <path>', DB_HELP)
    .action((rawId: string, _o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<DbOptions & { format: string; out?: string }>();
      const id = parseId('run', rawId);
      if (opts.format !== 'csv' && opts.format !== 'json') throw new UsageError(`option --format expects csv or json, got '${opts.format}'`);
      missingDbAsNoRun(opts, id);
      const detail = withRuns(opts, (runs) => runs.record(id));
      const text = opts.format === 'csv' ? epochsCsv(detail.epochs) : JSON.stringify(detail, null, 2) + '\n';
      if (opts.out) {
        try {
          writeFileSync(opts.out, text);
        } catch (err) {
          throw new SerError('io', `cannot write ${opts.out}: ${(err as Error).message}`);
        }
        process.stderr.write(`wrote run ${id} (${detail.epochs.length} epochs) to ${opts.out}\n`);
      } else process.stdout.write(text);
    });
}

/** `ser runs delete <id>`: asks first unless --yes. */
function addDelete(runs: Command): void {
  runs
    .command('delete')
    .description('delete a run with its epochs, evaluations and model records (model files stay on disk)')
    .argument('<id>', 'run id')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--db <path>', DB_HELP)
    .action(async (rawId: string, _o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<DbOptions & { yes?: boolean }>();
      const id = parseId('run', rawId);
      missingDbAsNoRun(opts, id);
      const run = withRuns(opts, (runs) => runs.record(id));
      if (!opts.yes) {
        if (!process.stdin.isTTY) throw new UsageError(`refusing to delete run ${id} without confirmation: pass --yes`);
        const ok = await confirm(`Delete run ${id} '${run.name}' (${run.status}, ${run.epochs.length} epochs)? [y/N] `);
        if (!ok) {
          process.stderr.write('not deleted\n');
          return;
        }
      }
      const { deleted } = withRuns(opts, (runs) => runs.delete(id));
      if (!deleted) throw new SerError('not-found', `no run with id ${id}`, { id });
      process.stdout.write(`deleted run ${id} '${run.name}'\n`);
    });
}

/** `ser runs tag <id> <tag...>`. */
function addTag(runs: Command): void {
  runs
    .command('tag')
    .description('add tags to a run')
    .argument('<id>', 'run id')
    .argument('<tag...>', 'tags (no spaces or commas)')
    .option('--db <path>', DB_HELP)
    .action((rawId: string, tags: string[], _o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<DbOptions>();
      const id = parseId('run', rawId);
      missingDbAsNoRun(opts, id);
      const run = withRuns(opts, (runs) => runs.tag(id, tags));
      process.stdout.write(`run ${id} tags: ${run.tags.join(', ')}\n`);
    });
}

/** `ser runs untag <id> <tag>`. */
function addUntag(runs: Command): void {
  runs
    .command('untag')
    .description('remove a tag from a run')
    .argument('<id>', 'run id')
    .argument('<tag>', 'tag to remove')
    .option('--db <path>', DB_HELP)
    .action((rawId: string, tag: string, _o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<DbOptions>();
      const id = parseId('run', rawId);
      missingDbAsNoRun(opts, id);
      const { removed, run } = withRuns(opts, (runs) => runs.untag(id, tag));
      if (!removed) process.stderr.write(`run ${id} had no tag '${tag}'\n`);
      process.stdout.write(`run ${id} tags: ${run.tags.length ? run.tags.join(', ') : '(none)'}\n`);
    });
}

/** `ser runs note <id> <text...>`. */
function addNote(runs: Command): void {
  runs
    .command('note')
    .description('set the notes of a run (an empty text clears them)')
    .argument('<id>', 'run id')
    .argument('<text...>', 'the note (words are joined with spaces)')
    .option('--db <path>', DB_HELP)
    .action((rawId: string, words: string[], _o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<DbOptions>();
      const id = parseId('run', rawId);
      missingDbAsNoRun(opts, id);
      const run = withRuns(opts, (runs) => runs.note(id, words.join(' ')));
      process.stdout.write(run.notes ? `run ${id} notes: ${run.notes}\n` : `run ${id} notes cleared\n`);
    });
}

export function registerRuns(program: Command): void {
  const runs = program
    .command('runs')
    .description('list training runs and inspect, export, tag, annotate or delete them')
    .option('--json', 'print a JSON array (with --table: one object, rows + paper + projection)')
    .option('--db <path>', DB_HELP)
    .option('--table', "the paper's table (epochs, training time, accuracy) for the runs given by id, by --tag, or all, with split types")
    .option('--tag <tag>', 'only runs with this tag')
    // Without a subcommand, list (with --table: the words are run ids); another word gets a usage error naming the valid ones.
    .allowExcessArguments(true)
    .action((opts: ListOptions, cmd: Command) => {
      if (opts.table) return printPaperTable(opts, cmd.args);
      const sub = cmd.args[0];
      if (sub !== undefined) throw new UsageError(`unknown runs command '${sub}' (expected show, export, delete, tag, untag or note)`);
      const path = dbPath(opts);
      if (!existsSync(path)) {
        if (opts.json) printJson([]);
        else process.stdout.write(`no runs yet (no database at ${path})\n`);
        return;
      }
      // With --tag, a cross-validation shows when some of its folds carry the tag.
      const { runs: list, groups } = withRuns(opts, (runs) => runs.history(opts.tag));
      if (opts.json) printJson(list.map(toListItem));
      else process.stdout.write(list.length || groups.length ? listTable(list, groups) : `no runs in ${path}\n`);
    });

  addShow(runs);
  addExport(runs);
  addDelete(runs);
  addTag(runs);
  addUntag(runs);
  addNote(runs);

  // Keep usage errors of the subcommands on one line, like the rest of `ser`.
  for (const sub of runs.commands) {
    sub.configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s.split('\n').filter(Boolean)[0] + '\n'),
    });
  }
}
