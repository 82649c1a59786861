/**
 * `ser eval --model <dir|run id|built-in> --data <dir> [--speakers a,b] [--json]`: any model on any dataset. The engine
 * does the work (training/evaluateDataset.ts); this prints it: one JSON object, or the metrics table with the
 * label mapping and what was skipped. Progress bars go to stderr, and only on a terminal.
 */
import { defaultDataDir } from '../../engine/dataDir.js';
import { SerError } from '../../shared/errors.js';
import { defaultDbPath } from '../../engine/store/dbPath.js';
import type { DatasetEvalProgress, DatasetEvaluation, TestPartOf } from '../../engine/training/evaluateDataset.js';
import type { TrainOptions } from '../../engine/training/types.js';
import { metricsTable } from '../metricsTable.js';
import { parseNumber, parseWindowOffsetsFlag, printJson, UsageError } from '../output.js';
import { formatMs, progressBar, type Bar } from '../progress.js';
import { noTestPart } from '../splitOptions.js';
import { parseBackend } from '../trainOptions.js';

export interface EvalDatasetFlags {
  model: string;
  /** Required unless `testOf` names a run (then its dataset is the default). */
  data?: string;
  testOf?: string;
  speakers?: string;
  includeSong?: boolean;
  backend?: string;
  workers?: string;
  windowOffsets?: string;
  db?: string;
  json?: boolean;
}

export function parseSpeakers(raw: string): string[] {
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new UsageError(`--speakers expects a comma-separated list, e.g. 21,22; got '${raw}'`);
  return list;
}

const SKIPPED_SHOWN = 20;

function human(r: DatasetEvaluation): string {
  const lines = [
    `${r.model}${r.runId !== null ? ` (run ${r.runId})` : ''} on ${r.data}`,
    ...(r.testOf ? [`  the test part of run ${r.testOf.runId}'s ${r.testOf.split === 'random' ? 'random (speakers shared)' : 'speaker-independent'} split (seed ${r.testOf.seed})`] : []),
    `  ${r.format}, ${r.files} files${r.speakers.length ? `, speakers ${r.speakers.join(', ')}` : ''}; ${r.backend}, ${formatMs(r.durationMs)} (features: ${r.features.cached} cached, ${r.features.computed} computed)`,
    ...(r.windowOffsets.length > 1 ? [`  each file classified over ${r.windowOffsets.length} windows of 3 s from ${r.windowOffsets.join(', ')} s (mean log-probability)`] : []),
    '',
    metricsTable(r, { absent: r.absentClasses }),
    '',
    `  labels (${r.format} → app): ${Object.entries(r.labelMap).map(([src, e]) => (src === e ? e : `${src} → ${e}`)).join(', ')}`,
  ];
  if (r.absentClasses.length) {
    lines.push(`  absent from the data: ${r.absentClasses.join(', ')} — left out of UAR and macro F1 (averaged over the ${r.presentClasses.length} classes present); predicting one counts as an error`);
  }
  if (r.skipped.length) {
    lines.push('', `  skipped ${r.skipped.length} file${r.skipped.length === 1 ? '' : 's'}:`);
    for (const s of r.skipped.slice(0, SKIPPED_SHOWN)) lines.push(`    ${s.file}: ${s.reason}`);
    if (r.skipped.length > SKIPPED_SHOWN) lines.push(`    … and ${r.skipped.length - SKIPPED_SHOWN} more (--json lists all)`);
  }
  return lines.join('\n') + '\n';
}

/** What `--test-of <run>` needs from the run: its dataset, split spec, fingerprint and whether it kept song clips. */
async function testPartOf(runId: number, dbPath: string): Promise<{ data: string; includeSong: boolean; testOf: TestPartOf }> {
  const { openStore } = await import('../../engine/store/index.js');
  const store = openStore(dbPath, { mustExist: true });
  try {
    const run = store.runs.require(runId);
    const config = run.config as Partial<TrainOptions> | null;
    if (run.kind !== 'train' || !config || typeof config.data !== 'string' || !config.split) {
      throw new UsageError(`run ${runId} is not a training run on a dataset split, so it has no test part to evaluate on`);
    }
    if (config.split.kind === 'all') throw new SerError('bad-input', noTestPart(runId));
    return { data: config.data, includeSong: Boolean(config.includeSong), testOf: { runId, split: config.split, fingerprint: run.datasetFingerprint } };
  } finally {
    store.close();
  }
}

const STAGE_LABEL: Record<DatasetEvalProgress['stage'], string> = { scan: 'scanning  ', features: 'features  ', predict: 'predicting' };

export async function evalDataset(flags: EvalDatasetFlags): Promise<void> {
  const speakers = flags.speakers !== undefined ? parseSpeakers(flags.speakers) : undefined;
  const workers = flags.workers !== undefined ? parseNumber('--workers', flags.workers, { integer: true, min: 0, max: 64 }) : undefined;
  const backend = parseBackend(flags.backend);
  const windowOffsets = await parseWindowOffsetsFlag(flags.windowOffsets);
  const { resolveModelDir } = await import('../../engine/training/exported.js');
  const { evaluateDataset } = await import('../../engine/training/evaluateDataset.js');
  const modelDir = resolveModelDir(flags.model, flags.db ?? defaultDbPath());
  const part = flags.testOf !== undefined ? await testPartOf(parseNumber('--test-of', flags.testOf, { integer: true, min: 1 }), flags.db ?? defaultDbPath()) : undefined;
  if (part && speakers) throw new UsageError('--test-of and --speakers choose the files two ways: give one');
  const data = flags.data ?? part?.data;
  if (data === undefined) throw new UsageError('--model needs --data <dir> (or --test-of <run id>): the dataset to evaluate it on');
  let bar: Bar | undefined;
  let stage = '';
  try {
    const r = await evaluateDataset({
      modelDir,
      data,
      dataDir: defaultDataDir(),
      ...(speakers ? { speakers } : {}),
      ...(part ? { testOf: part.testOf } : {}),
      ...(flags.includeSong || part?.includeSong ? { includeSong: true } : {}),
      ...(backend ? { backend } : {}),
      ...(workers !== undefined ? { workers } : {}),
      ...(windowOffsets ? { windowOffsets } : {}),
      onProgress: (p) => {
        if (flags.json) return;
        if (p.stage !== stage) {
          bar?.stop();
          bar = progressBar(STAGE_LABEL[p.stage], p.total);
          stage = p.stage;
        }
        bar?.update(p.done, { detail: '' });
      },
    });
    bar?.stop();
    bar = undefined;
    if (flags.json) {
      printJson(r);
      return;
    }
    process.stdout.write(human(r));
  } finally {
    bar?.stop();
  }
}
