/** Saves a scan into the experiment store (datasets + dataset_files), so the app can list and reuse it. */
import { basename } from 'node:path';
import { EMOTIONS } from '../../shared/labels.js';
import type { Store } from '../store/index.js';
import type { DatasetRecord } from '../store/types.js';
import type { ScanResult } from './scan.js';

export function saveScan(store: Store, scan: ScanResult, name?: string): DatasetRecord {
  return store.datasets.upsert({
    name: name ?? basename(scan.summary.root),
    root: scan.summary.root,
    format: scan.summary.format,
    fingerprint: scan.summary.fingerprint,
    files: scan.files.map((f) => ({
      path: f.path,
      label: f.emotion ? EMOTIONS.indexOf(f.emotion) : null,
      speaker: f.speaker ?? null,
      vocalChannel: f.vocalChannel ?? null,
      contentHash: f.contentHash ?? null,
      durationSec: f.durationSec ?? null,
      problem: f.problem ?? (f.excluded ? 'excluded: song clip (speech datasets leave them out; --include-song keeps them)' : null),
    })),
  });
}
