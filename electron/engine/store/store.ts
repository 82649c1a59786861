/**
 * The experiment store: one SQLite file, opened with `openStore(path)`, exposing typed repositories.
 * Synchronous (better-sqlite3): every call is a committed transaction on return. Opening the store also
 * repairs the aftermath of crashes: runs left queued/running (and groups and sweeps left running) by a dead process become `interrupted`.
 */
import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { DEFAULT_BUSY_TIMEOUT_MS, openConnection } from './connection.js';
import { defaultClientName, otherLiveClients, registerClient, unregisterClient, type StoreClient } from './clients.js';
import { StoreContext } from './context.js';
import { DatasetsRepository } from './datasetsRepository.js';
import { EnsemblesRepository } from './ensemblesRepository.js';
import { EvaluationsRepository } from './evaluationsRepository.js';
import { LiveRepository } from './liveRepository.js';
import { LATEST_VERSION } from './migrations.js';
import { ModelsRepository } from './modelsRepository.js';
import { RunGroupsRepository } from './runGroupsRepository.js';
import { RunsRepository } from './runsRepository.js';
import { SweepsRepository } from './sweepsRepository.js';

export interface OpenStoreOptions {
  /** How long a write waits for another process's lock before failing with SerError('db-locked'). Default 3000. */
  busyTimeoutMs?: number;
  /** Fail with SerError('not-found') instead of creating a new file. Default false. */
  mustExist?: boolean;
  /** How this process shows up in lock messages (default: the command line). */
  clientName?: string;
}

export class Store {
  readonly runs: RunsRepository;
  /** Cross-validation groups of runs. */
  readonly groups: RunGroupsRepository;
  /** Hyperparameter sweeps and their trials. */
  readonly sweeps: SweepsRepository;
  readonly datasets: DatasetsRepository;
  readonly evaluations: EvaluationsRepository;
  readonly models: ModelsRepository;
  /** Ensembles of exported models (model folders of their own, not runs). */
  readonly ensembles: EnsemblesRepository;
  readonly live: LiveRepository;
  /** Runs that `open` found orphaned and marked `interrupted`. */
  readonly interruptedOnOpen: readonly number[];
  /** Run groups that `open` found orphaned and marked `interrupted`. */
  readonly groupsInterruptedOnOpen: readonly number[];
  /** Sweeps that `open` found orphaned and marked `interrupted`. */
  readonly sweepsInterruptedOnOpen: readonly number[];

  readonly #ctx: StoreContext;
  #clientId: number | undefined;

  /** @internal use `openStore` */
  constructor(db: Database.Database, readonly path: string, clientName: string) {
    this.#ctx = new StoreContext(db, path);
    this.runs = new RunsRepository(this.#ctx);
    this.groups = new RunGroupsRepository(this.#ctx);
    this.sweeps = new SweepsRepository(this.#ctx);
    this.datasets = new DatasetsRepository(this.#ctx);
    this.evaluations = new EvaluationsRepository(this.#ctx);
    this.models = new ModelsRepository(this.#ctx);
    this.ensembles = new EnsemblesRepository(this.#ctx);
    this.live = new LiveRepository(this.#ctx);
    this.#clientId = this.#ctx.write(() => registerClient(db, clientName));
    this.interruptedOnOpen = this.runs.recoverInterrupted();
    this.groupsInterruptedOnOpen = this.groups.recoverInterrupted();
    this.sweepsInterruptedOnOpen = this.sweeps.recoverInterrupted();
  }

  get schemaVersion(): number {
    return this.#ctx.read(() => this.#ctx.db.pragma('user_version', { simple: true }) as number);
  }

  get isOpen(): boolean {
    return this.#ctx.db.open;
  }

  /** Groups several repository calls into one atomic transaction (calls inside become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.#ctx.write(fn);
  }

  /** `PRAGMA integrity_check`: 'ok' or the first problems SQLite found. */
  integrityCheck(): string {
    const rows = this.#ctx.read(() => this.#ctx.db.pragma('integrity_check') as Array<{ integrity_check: string }>);
    return rows.map((r) => r.integrity_check).join('; ');
  }

  /** Other live processes that have this database open. */
  otherClients(): StoreClient[] {
    return this.#ctx.read(() => otherLiveClients(this.#ctx.db));
  }

  close(): void {
    if (!this.#ctx.db.open) return;
    try {
      if (this.#clientId !== undefined) this.#ctx.write(() => unregisterClient(this.#ctx.db, this.#clientId!));
    } catch {
      /* a stale registry row is cleaned by the next open; closing must not fail */
    }
    this.#clientId = undefined;
    this.#ctx.db.close();
  }
}

/** Absolute, symlink-resolved path: the identity of the file for run ownership and messages. */
function canonicalPath(path: string): string {
  const abs = resolve(path);
  return existsSync(abs) ? realpathSync(abs) : abs;
}

/**
 * Opens (creating and migrating as needed) the experiment database at `path`.
 * Throws SerError: 'db-newer' (file from a newer app, left untouched), 'db-locked' (another process holds
 * the write lock past the busy timeout; the message names it), 'corrupt', 'unsupported', 'not-found', 'io'.
 */
export function openStore(path: string, opts: OpenStoreOptions = {}): Store {
  const file = canonicalPath(path);
  const db = openConnection(file, { busyTimeoutMs: opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS, mustExist: opts.mustExist ?? false });
  try {
    return new Store(db, file, opts.clientName ?? defaultClientName());
  } catch (err) {
    db.close();
    throw err;
  }
}

export { LATEST_VERSION };
