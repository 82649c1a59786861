/**
 * `ser ensemble --model <dir|run id|built-in> --model … --out <dir> [--name …]`: exported models combined into one
 * model folder (training/ensemble.ts does the work), usable wherever a model is, then recorded in the experiment
 * database (training/ensembleRecords.ts) so the app's Live picker lists it and `--model ensemble:<id>` finds it.
 * Heavy modules are imported in the action.
 */
import type { Command } from 'commander';
import { defaultDbPath } from '../../engine/store/dbPath.js';
import { BUILTIN_REF } from '../../engine/training/builtinModel.js';
import { SerError, toErrorInfo } from '../../shared/errors.js';
import type { EnsembleResult } from '../../engine/training/ensemble.js';
import type { EnsembleRecord } from '../../engine/store/types.js';
import { parseWindowOffsetsFlag, printJson, UsageError, WINDOW_OFFSETS_RECORD_HELP } from '../output.js';
import { formatMs } from '../progress.js';
import { BACKEND_HELP, parseBackend } from '../trainOptions.js';

interface EnsembleFlags {
  model?: string[];
  out?: string;
  name?: string;
  windowOffsets?: string;
  backend?: string;
  db?: string;
  json?: boolean;
}

/** `--model a --model b` and `--model a,b` alike. */
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter(Boolean)];

function human(r: EnsembleResult, record: EnsembleRecord, db: string): string {
  const lines = [`ensemble of ${r.members.length} models → ${r.out} (${r.params.toLocaleString('en-US')} parameters, ${formatMs(r.durationMs)})`];
  r.members.forEach((m, i) => {
    const about = [m.runId !== null ? `run ${m.runId}` : null, m.seed !== null ? `seed ${m.seed}` : null, i === 0 ? 'its scaler is the ensemble’s' : m.rescaled ? 'input mapped to its own scaler' : 'same scaler as m1'].filter(Boolean);
    lines.push(`  m${i + 1}  ${m.dir}  (${about.join(', ')})`);
  });
  if (r.windowOffsets) lines.push(`  classifies files over ${r.windowOffsets.length} windows of 3 s from ${r.windowOffsets.join(', ')} s`);
  lines.push(`recorded as ensemble #${record.id} "${record.name}" in ${db}: the app's Live view lists it`);
  lines.push(`inference costs about ${r.members.length}× one model; use it as --model ensemble:${record.id} or --model ${r.out} (classify, eval, live, tune)`);
  return lines.join('\n') + '\n';
}

export function registerEnsemble(program: Command): void {
  program
    .command('ensemble')
    .description('combine exported models into one model that averages their log-probabilities')
    .option('--model <dir|run-id|built-in>', `a member: an exported model folder, a run id, or ${BUILTIN_REF}; give it 2 or more times, or a comma-separated list`, collect)
    .option('--out <dir>', 'the new model folder (must not exist, or be empty)')
    .option('--name <name>', "what the app's model picker calls it (default: the --out folder's name)")
    .option('--window-offsets <list>', WINDOW_OFFSETS_RECORD_HELP)
    .option('--backend <name>', BACKEND_HELP)
    .option('--db <path>', 'experiment database (to resolve run ids and record the ensemble; default: SER_DB or experiments.db)')
    .option('--json', 'one JSON object: out, members, params, durationMs, ensembleId')
    .action(async (flags: EnsembleFlags) => {
      const refs = flags.model ?? [];
      if (refs.length < 2) throw new UsageError(`an ensemble needs at least 2 models (--model <dir|run id> --model <dir|run id>), got ${refs.length}`);
      if (!flags.out) throw new UsageError('--out <dir> is required: the folder the ensemble is written to');
      const name = flags.name?.trim();
      if (flags.name !== undefined && (!name || name.length > 120)) throw new UsageError(`--name must be 1–120 characters, got '${flags.name}'`);
      const backend = parseBackend(flags.backend);
      const windowOffsets = await parseWindowOffsetsFlag(flags.windowOffsets);
      const { selectBackend } = await import('../../../native/tf/backends.js');
      const { resolveModelDir } = await import('../../engine/training/exported.js');
      const { makeEnsemble } = await import('../../engine/training/ensemble.js');
      const { recordEnsemble } = await import('../../engine/training/ensembleRecords.js');
      const { openStore } = await import('../../engine/store/index.js');
      const db = flags.db ?? defaultDbPath();
      const members = refs.map((ref) => resolveModelDir(ref, db));
      // Opened before the (long) build, so a database that cannot take the record fails first.
      const store = openStore(db);
      try {
        await selectBackend(backend ? { backend } : {});
        const r = await makeEnsemble({ members, out: flags.out, ...(windowOffsets ? { windowOffsets } : {}) });
        let record: EnsembleRecord;
        try {
          record = recordEnsemble(store, r, name);
        } catch (err) {
          const info = toErrorInfo(err);
          throw new SerError(info.code, `${r.out} was written but not recorded in ${store.path}: ${info.message}; use it as --model ${r.out}`);
        }
        if (flags.json) printJson({ ...r, ensembleId: record.id });
        else process.stdout.write(human(r, record, store.path));
      } finally {
        store.close();
      }
    });
}
