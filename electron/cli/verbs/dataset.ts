/**
 * `ser dataset`: scan a folder of clips, preview splits, extract (cache) features.
 *   ser dataset scan <dir> [--json] [--include-song] [--db path] [--no-save]
 *   ser dataset extract <dir> [--json] [--workers N] [--include-song]
 *   ser dataset split <dir> [--split random|speaker|all] [--seed N] [--test-speakers a,b] [--val-speakers c] [--folds K --fold k] [--json]
 */
import type { Command } from 'commander';
import { defaultDataDir } from '../../engine/dataDir.js';
import { EMOTIONS } from '../../shared/labels.js';
import type { ScanResult } from '../../engine/dataset/scan.js';
import { defaultDbPath } from '../../engine/store/dbPath.js';
import { parseNumber, printJson } from '../output.js';
import { addSplitOptions, splitSpecFrom, type SplitFlags } from '../splitOptions.js';
import { formatMs, progressBar } from '../progress.js';

interface ScanOpts {
  json?: boolean;
  includeSong?: boolean;
  db?: string;
  save?: boolean;
}

async function runScan(dir: string, opts: { json?: boolean; includeSong?: boolean }): Promise<ScanResult> {
  const { scanDataset, statCachePath } = await import('../../engine/dataset/scan.js');
  const bar = progressBar('scanning ', 1, { enabled: !opts.json && Boolean(process.stderr.isTTY) });
  let totalSet = false;
  try {
    return await scanDataset(dir, {
      includeSong: Boolean(opts.includeSong),
      statCacheFile: statCachePath(defaultDataDir(), dir),
      onProgress: (done, total) => {
        if (!totalSet) {
          bar.setTotal(total);
          totalSet = true;
        }
        bar.update(done, { detail: '' });
      },
    });
  } finally {
    bar.stop();
  }
}

function printScanHuman(scan: ScanResult): void {
  const s = scan.summary;
  const lines = [
    `${s.root}`,
    `  format        ${s.format}`,
    `  audio files   ${s.files} (${s.usable} usable${s.byVocalChannel.song ? `, ${s.byVocalChannel.song} song` : ''}${s.problems.length ? `, ${s.problems.length} with problems` : ''})`,
    `  by emotion    ${EMOTIONS.map((e) => `${e} ${s.byEmotion[e]}`).join(' · ')}`,
    `  speakers      ${Object.keys(s.bySpeaker).length}: ${Object.entries(s.bySpeaker).map(([k, v]) => `${k}:${v}`).join(' ')}`,
    `  fingerprint   ${s.fingerprint.slice(0, 16)}…`,
  ];
  if (s.problems.length) {
    lines.push('  problems:');
    for (const p of s.problems.slice(0, 50)) lines.push(`    ${p.file}: ${p.reason}`);
    if (s.problems.length > 50) lines.push(`    … and ${s.problems.length - 50} more (--json lists all)`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

export function registerDataset(program: Command): void {
  const ds = program.command('dataset').description('scan datasets, preview splits, cache features');

  ds.command('scan')
    .description('find and check the audio files of a dataset folder (RAVDESS, CREMA-D, TESS, SAVEE or folder-per-label)')
    .argument('<dir>', 'dataset folder')
    .option('--include-song', 'keep RAVDESS song clips (excluded from speech datasets by default)')
    .option('--json', 'print one JSON object')
    .option('--db <path>', 'experiment database to record the dataset in (default: SER_DB or experiments.db)')
    .option('--no-save', 'do not record the dataset in the database')
    .action(async (dir: string, opts: ScanOpts) => {
      const scan = await runScan(dir, opts);
      if (opts.save !== false) {
        const { openStore } = await import('../../engine/store/store.js');
        const { saveScan } = await import('../../engine/dataset/saveScan.js');
        const store = openStore(opts.db ?? defaultDbPath());
        try {
          saveScan(store, scan);
        } finally {
          store.close();
        }
      }
      if (opts.json) printJson(scan.summary);
      else printScanHuman(scan);
    });

  ds.command('extract')
    .description('compute and cache the features of every usable file (parallel; reused by every run)')
    .argument('<dir>', 'dataset folder')
    .option('--include-song', 'keep RAVDESS song clips')
    .option('--workers <n>', 'worker threads (default: one per core)')
    .option('--json', 'print one JSON object')
    .action(async (dir: string, opts: { json?: boolean; includeSong?: boolean; workers?: string }) => {
      const workers = opts.workers === undefined ? undefined : parseNumber('--workers', opts.workers, { min: 0, max: 64, integer: true });
      const { FeatureCache } = await import('../../engine/dataset/featureCache.js');
      const { usableFiles } = await import('../../engine/dataset/scan.js');
      const t0 = performance.now();
      const scan = await runScan(dir, opts);
      const scanMs = performance.now() - t0;
      const files = usableFiles(scan.files);
      const cache = new FeatureCache(defaultDataDir());
      const bar = progressBar('features ', files.length, { enabled: !opts.json && Boolean(process.stderr.isTTY) });
      const res = await cache.ensure(
        files.map((f) => ({ absPath: f.absPath, contentHash: f.contentHash! })),
        { ...(workers === undefined ? {} : { workers }), onProgress: (p) => bar.update(p.done, { detail: `${p.cached} cached, ${p.computed} computed${p.failed ? `, ${p.failed} failed` : ''}` }) },
      );
      bar.stop();
      const out = {
        root: scan.summary.root,
        files: files.length,
        cached: res.cached,
        computed: res.computed,
        failed: res.failed,
        workers: res.workers,
        scanMs: Math.round(scanMs),
        extractMs: Math.round(res.ms),
        ms: Math.round(performance.now() - t0),
        cacheDir: cache.root,
      };
      if (opts.json) printJson(out);
      else {
        process.stdout.write(
          `${out.files} files: ${out.cached} already cached, ${out.computed} computed on ${out.workers} worker${out.workers === 1 ? '' : 's'}${out.failed.length ? `, ${out.failed.length} failed` : ''}\n` +
            `scan ${formatMs(out.scanMs)}, features ${formatMs(out.extractMs)}, total ${formatMs(out.ms)}\ncache: ${out.cacheDir}\n`,
        );
        for (const f of out.failed) process.stdout.write(`  ${f.file}: ${f.reason}\n`);
      }
      if (out.failed.length && out.computed === 0 && out.cached === 0) process.exitCode = 1;
    });

  addSplitOptions(
    ds
      .command('split')
      .description('preview the train / validation / test split a run would use')
      .argument('<dir>', 'dataset folder'),
  )
    .option('--seed <n>', 'random seed', '42')
    .option('--include-song', 'keep RAVDESS song clips')
    .option('--json', 'print one JSON object')
    .action(async (dir: string, opts: SplitFlags & { seed: string; json?: boolean; includeSong?: boolean }) => {
      const seed = parseNumber('--seed', opts.seed, { integer: true, min: 0 });
      const spec = splitSpecFrom(opts, seed);
      const { usableFiles } = await import('../../engine/dataset/scan.js');
      const { makeSplit } = await import('../../engine/dataset/splits.js');
      const scan = await runScan(dir, { json: true, includeSong: Boolean(opts.includeSong) });
      const files = usableFiles(scan.files);
      const split = makeSplit(files.map((f) => ({ label: f.emotion!, ...(f.speaker ? { speaker: f.speaker } : {}) })), spec);
      const count = (idx: number[]) => Object.fromEntries(EMOTIONS.map((e) => [e, idx.filter((i) => files[i]!.emotion === e).length]));
      const out = {
        kind: split.kind,
        seed: split.seed,
        fingerprint: scan.summary.fingerprint,
        train: { files: split.train.length, speakers: split.trainSpeakers, byEmotion: count(split.train) },
        val: { files: split.val.length, speakers: split.valSpeakers, byEmotion: count(split.val) },
        test: { files: split.test.length, speakers: split.testSpeakers, byEmotion: count(split.test) },
      };
      if (opts.json) printJson(out);
      else {
        process.stdout.write(`${split.kind} split (seed ${split.seed})\n`);
        for (const part of ['train', 'val', 'test'] as const) {
          const p = out[part];
          process.stdout.write(`  ${part.padEnd(5)} ${String(p.files).padStart(5)} files  speakers ${p.speakers.join(',')}\n`);
        }
        if (split.kind === 'random') process.stdout.write('  note: a random split puts the same speakers in train and test; results overstate accuracy on new voices.\n');
        if (split.kind === 'all') process.stdout.write('  note: every clip trains, no validation or test part — judge the recipe with ser cv.\n');
      }
    });
}
