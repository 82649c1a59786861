/**
 * Ensembles of exported models (migration 10). The ensemble's folder is written first (training/ensemble.ts), then
 * recorded here, so a record always names a folder that was complete when it was made; whether it is still there
 * is the caller's to check (a user may delete a folder they gave `ser ensemble --out`). Deleting a record leaves
 * the folder alone: only the caller knows whether the folder is the app's to remove.
 */
import { SerError } from '../../shared/errors.js';
import { appVersion } from '../version.js';
import { StoreContext, isoRequired, parseJson, toJson } from './context.js';
import type { EnsembleMember, EnsembleRecord, NewEnsemble } from './types.js';

interface EnsembleRow {
  id: number;
  name: string;
  path: string;
  members: string;
  app_version: string;
  created_at: number;
}

function toEnsemble(r: EnsembleRow): EnsembleRecord {
  return {
    id: r.id,
    name: r.name,
    path: r.path,
    members: parseJson(r.members) as EnsembleMember[],
    appVersion: r.app_version,
    createdAt: isoRequired(r.created_at),
  };
}

/** At least two members, each a folder and a run id (a positive integer) or null. */
function checkMembers(members: unknown): EnsembleMember[] {
  if (!Array.isArray(members) || members.length < 2) {
    throw new SerError('bad-input', `an ensemble has at least 2 members, got ${Array.isArray(members) ? members.length : 'none'}`);
  }
  return members.map((m: unknown, i) => {
    const { runId, dir } = (m ?? {}) as { runId?: unknown; dir?: unknown };
    if (typeof dir !== 'string' || dir === '') throw new SerError('bad-input', `ensemble member ${i + 1} needs the folder it was read from`);
    if (runId !== null && !(Number.isInteger(runId) && (runId as number) > 0)) {
      throw new SerError('bad-input', `ensemble member ${i + 1}: runId must be a run id or null, got ${JSON.stringify(runId)}`);
    }
    return { runId: runId as number | null, dir };
  });
}

export class EnsemblesRepository {
  constructor(private readonly ctx: StoreContext) {}

  create(input: NewEnsemble): EnsembleRecord {
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (!name) throw new SerError('bad-input', 'an ensemble needs a non-empty name');
    if (typeof input.path !== 'string' || input.path === '') throw new SerError('bad-input', 'an ensemble needs the path of its folder');
    const members = checkMembers(input.members);
    const id = this.ctx.write(() =>
      Number(
        this.ctx.db
          .prepare('INSERT INTO ensembles (name, path, members, app_version, created_at) VALUES (?, ?, ?, ?, ?)')
          .run(name, input.path, toJson(members), appVersion, Date.now()).lastInsertRowid,
      ),
    );
    return this.require(id);
  }

  get(id: number): EnsembleRecord | undefined {
    const row = this.ctx.read(() => this.ctx.db.prepare('SELECT * FROM ensembles WHERE id = ?').get(id) as EnsembleRow | undefined);
    return row ? toEnsemble(row) : undefined;
  }

  require(id: number): EnsembleRecord {
    const e = this.get(id);
    if (!e) throw new SerError('not-found', `no ensemble with id ${id}`, { id });
    return e;
  }

  /** Newest first. */
  list(opts: { limit?: number } = {}): EnsembleRecord[] {
    const rows = this.ctx.read(
      () => this.ctx.db.prepare('SELECT * FROM ensembles ORDER BY created_at DESC, id DESC LIMIT ?').all(opts.limit ?? -1) as EnsembleRow[],
    );
    return rows.map(toEnsemble);
  }

  /** Removes the record (live sessions that listened with it keep their predictions, without the link). */
  delete(id: number): boolean {
    return this.ctx.write(() => this.ctx.db.prepare('DELETE FROM ensembles WHERE id = ?').run(id).changes > 0);
  }
}
