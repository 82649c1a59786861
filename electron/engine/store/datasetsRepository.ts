/**
 * Scanned datasets and their files. A dataset is identified by its root folder; re-scanning upserts it
 * and, when a file list is given, replaces the list in the same transaction (never half-updated).
 */
import { SerError } from '../../shared/errors.js';
import { isEmotionIndex } from '../../shared/labels.js';
import { StoreContext, isoRequired } from './context.js';
import type { DatasetFileInput, DatasetFileRecord, DatasetInput, DatasetRecord } from './types.js';

interface DatasetRow {
  id: number;
  name: string;
  root: string;
  format: string;
  fingerprint: string;
  created_at: number;
  updated_at: number;
  file_count: number;
}

interface FileRow {
  id: number;
  dataset_id: number;
  path: string;
  label: number | null;
  speaker: string | null;
  vocal_channel: string | null;
  content_hash: string | null;
  duration_sec: number | null;
  problem: string | null;
}

const DATASET_COLUMNS = 'd.*, (SELECT count(*) FROM dataset_files f WHERE f.dataset_id = d.id) AS file_count';

function toDataset(r: DatasetRow): DatasetRecord {
  return {
    id: r.id,
    name: r.name,
    root: r.root,
    format: r.format,
    fingerprint: r.fingerprint,
    fileCount: r.file_count,
    createdAt: isoRequired(r.created_at),
    updatedAt: isoRequired(r.updated_at),
  };
}

function toFile(r: FileRow): DatasetFileRecord {
  return {
    id: r.id,
    datasetId: r.dataset_id,
    path: r.path,
    label: r.label,
    speaker: r.speaker,
    vocalChannel: r.vocal_channel,
    contentHash: r.content_hash,
    durationSec: r.duration_sec,
    problem: r.problem,
  };
}

export class DatasetsRepository {
  constructor(private readonly ctx: StoreContext) {}

  private get db() {
    return this.ctx.db;
  }

  upsert(input: DatasetInput): DatasetRecord {
    if (!input.root) throw new SerError('bad-input', 'a dataset needs its root folder');
    for (const f of input.files ?? []) {
      if (f.label !== null && !isEmotionIndex(f.label)) throw new SerError('bad-input', `file ${f.path}: label ${f.label} is not an emotion index 0–7`);
    }
    const now = Date.now();
    const id = this.ctx.write(() => {
      const row = this.db
        .prepare(
          `INSERT INTO datasets (name, root, format, fingerprint, created_at, updated_at)
           VALUES (@name, @root, @format, @fingerprint, @now, @now)
           ON CONFLICT (root) DO UPDATE SET name = excluded.name, format = excluded.format,
             fingerprint = excluded.fingerprint, updated_at = excluded.updated_at
           RETURNING id`,
        )
        .get({ name: input.name, root: input.root, format: input.format, fingerprint: input.fingerprint, now }) as { id: number };
      if (input.files) {
        this.db.prepare('DELETE FROM dataset_files WHERE dataset_id = ?').run(row.id);
        const ins = this.db.prepare(
          `INSERT INTO dataset_files (dataset_id, path, label, speaker, vocal_channel, content_hash, duration_sec, problem)
           VALUES (@datasetId, @path, @label, @speaker, @vocalChannel, @contentHash, @durationSec, @problem)`,
        );
        for (const f of input.files) ins.run({ datasetId: row.id, ...pickFile(f) });
      }
      return row.id;
    });
    return this.require(id);
  }

  get(id: number): DatasetRecord | undefined {
    const row = this.ctx.read(() => this.db.prepare(`SELECT ${DATASET_COLUMNS} FROM datasets d WHERE d.id = ?`).get(id) as DatasetRow | undefined);
    return row ? toDataset(row) : undefined;
  }

  require(id: number): DatasetRecord {
    const d = this.get(id);
    if (!d) throw new SerError('not-found', `no dataset with id ${id}`, { id });
    return d;
  }

  getByRoot(root: string): DatasetRecord | undefined {
    const row = this.ctx.read(() => this.db.prepare(`SELECT ${DATASET_COLUMNS} FROM datasets d WHERE d.root = ?`).get(root) as DatasetRow | undefined);
    return row ? toDataset(row) : undefined;
  }

  list(): DatasetRecord[] {
    const rows = this.ctx.read(() => this.db.prepare(`SELECT ${DATASET_COLUMNS} FROM datasets d ORDER BY d.updated_at DESC, d.id DESC`).all() as DatasetRow[]);
    return rows.map(toDataset);
  }

  /** Files of a dataset in path order, optionally only one emotion or only usable files. */
  files(datasetId: number, opts: { label?: number; usableOnly?: boolean } = {}): DatasetFileRecord[] {
    const where = ['dataset_id = @datasetId'];
    if (opts.label !== undefined) where.push('label = @label');
    if (opts.usableOnly) where.push('problem IS NULL AND label IS NOT NULL');
    const rows = this.ctx.read(
      () =>
        this.db
          .prepare(`SELECT * FROM dataset_files WHERE ${where.join(' AND ')} ORDER BY path`)
          .all({ datasetId, label: opts.label ?? null }) as FileRow[],
    );
    return rows.map(toFile);
  }

  /** Deletes a dataset and its file list; runs keep their fingerprint but lose the link. */
  delete(id: number): boolean {
    return this.ctx.write(() => this.db.prepare('DELETE FROM datasets WHERE id = ?').run(id).changes > 0);
  }
}

function pickFile(f: DatasetFileInput): DatasetFileInput {
  return {
    path: f.path,
    label: f.label,
    speaker: f.speaker,
    vocalChannel: f.vocalChannel,
    contentHash: f.contentHash,
    durationSec: f.durationSec,
    problem: f.problem,
  };
}
