/**
 * Schema history of the experiment store, Signal-Desktop style: an ordered list of numbered migrations.
 * Migration N runs in one transaction that also sets `PRAGMA user_version = N`, so a crash leaves the
 * database either fully at N−1 or fully at N. Never edit a released migration: append a new one.
 *
 * Timestamps are INTEGER milliseconds since the Unix epoch (UTC); JSON columns are checked with json_valid.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  /** What the migration does, for logs and `ser doctor`-style reports. */
  name: string;
  /**
   * The tables this step creates. An unmarked file (application_id 0) is taken for an early Vox Affect database only
   * when it holds every table its user_version implies; anything else is another program's and is left alone.
   */
  creates: readonly string[];
  up(db: Database.Database): void;
}

/** 'VoxA' — marks the file as ours, so we never migrate some other program's SQLite file. */
export const APPLICATION_ID = 0x566f7841;

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'training schema: datasets, runs, epochs, evaluations, models',
    creates: ['datasets', 'dataset_files', 'runs', 'run_tags', 'epochs', 'evaluations', 'models'],
    up(db) {
      db.exec(`
        PRAGMA application_id = ${APPLICATION_ID};

        CREATE TABLE datasets (
          id          INTEGER PRIMARY KEY,
          name        TEXT NOT NULL,
          root        TEXT NOT NULL UNIQUE,
          format      TEXT NOT NULL,
          fingerprint TEXT NOT NULL,
          created_at  INTEGER NOT NULL,
          updated_at  INTEGER NOT NULL
        );

        CREATE TABLE dataset_files (
          id            INTEGER PRIMARY KEY,
          dataset_id    INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
          path          TEXT NOT NULL,
          label         INTEGER CHECK (label IS NULL OR label BETWEEN 0 AND 7),
          speaker       TEXT,
          vocal_channel TEXT,
          content_hash  TEXT,
          duration_sec  REAL,
          problem       TEXT,
          UNIQUE (dataset_id, path)
        );
        CREATE INDEX dataset_files_by_label ON dataset_files (dataset_id, label);
        CREATE INDEX dataset_files_by_speaker ON dataset_files (dataset_id, speaker);

        CREATE TABLE runs (
          id                  INTEGER PRIMARY KEY,
          name                TEXT NOT NULL,
          status              TEXT NOT NULL
                              CHECK (status IN ('queued','running','completed','failed','cancelled','interrupted')),
          config              TEXT NOT NULL CHECK (json_valid(config)),
          seed                INTEGER,
          split               TEXT CHECK (split IS NULL OR json_valid(split)),
          dataset_id          INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
          dataset_fingerprint TEXT,
          backend             TEXT,
          app_version         TEXT NOT NULL,
          created_at          INTEGER NOT NULL,
          started_at          INTEGER,
          ended_at            INTEGER,
          notes               TEXT,
          pid                 INTEGER,
          host                TEXT,
          pid_start           TEXT,
          error               TEXT
        );
        -- The runs list: newest first (a queued run sorts by its creation time).
        CREATE INDEX runs_by_recency ON runs (coalesce(started_at, created_at) DESC, id DESC);
        -- Crash recovery on open only looks at live statuses.
        CREATE INDEX runs_live ON runs (status) WHERE status IN ('queued','running');
        CREATE INDEX runs_by_dataset ON runs (dataset_id);

        CREATE TABLE run_tags (
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          tag    TEXT NOT NULL,
          PRIMARY KEY (run_id, tag)
        ) WITHOUT ROWID;
        CREATE INDEX run_tags_by_tag ON run_tags (tag, run_id);

        CREATE TABLE epochs (
          run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          epoch           INTEGER NOT NULL CHECK (epoch >= 0),
          train_loss      REAL,
          train_accuracy  REAL,
          val_loss        REAL,
          val_accuracy    REAL,
          learning_rate   REAL,
          duration_ms     REAL,
          samples_per_sec REAL,
          created_at      INTEGER NOT NULL,
          PRIMARY KEY (run_id, epoch)
        );

        CREATE TABLE evaluations (
          id          INTEGER PRIMARY KEY,
          run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          split       TEXT NOT NULL CHECK (split IN ('val','test')),
          epoch       INTEGER,
          accuracy    REAL NOT NULL,
          uar         REAL NOT NULL,
          macro_f1    REAL NOT NULL,
          weighted_f1 REAL NOT NULL,
          confusion   TEXT NOT NULL CHECK (json_valid(confusion)),
          per_class   TEXT NOT NULL CHECK (json_valid(per_class)),
          created_at  INTEGER NOT NULL
        );
        CREATE INDEX evaluations_by_run ON evaluations (run_id, split, id);

        CREATE TABLE models (
          id          INTEGER PRIMARY KEY,
          run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          kind        TEXT NOT NULL CHECK (kind IN ('checkpoint','best','export')),
          path        TEXT NOT NULL,
          epoch       INTEGER,
          metric      REAL,
          metric_name TEXT,
          created_at  INTEGER NOT NULL
        );
        CREATE INDEX models_by_run ON models (run_id, kind, id);
      `);
    },
  },
  {
    version: 2,
    name: 'live sessions and their predictions',
    creates: ['live_sessions', 'live_predictions'],
    up(db) {
      db.exec(`
        CREATE TABLE live_sessions (
          id         INTEGER PRIMARY KEY,
          model_id   INTEGER REFERENCES models(id) ON DELETE SET NULL,
          run_id     INTEGER REFERENCES runs(id) ON DELETE SET NULL,
          device     TEXT,
          config     TEXT CHECK (config IS NULL OR json_valid(config)),
          started_at INTEGER NOT NULL,
          ended_at   INTEGER
        );
        CREATE INDEX live_sessions_by_recency ON live_sessions (started_at DESC, id DESC);

        CREATE TABLE live_predictions (
          id         INTEGER PRIMARY KEY,
          session_id INTEGER NOT NULL REFERENCES live_sessions(id) ON DELETE CASCADE,
          t          REAL NOT NULL,
          probs      TEXT NOT NULL CHECK (json_valid(probs)),
          top        INTEGER NOT NULL CHECK (top BETWEEN 0 AND 7),
          confidence REAL NOT NULL,
          rms        REAL,
          voiced     INTEGER NOT NULL CHECK (voiced IN (0, 1)),
          latency_ms REAL
        );
        CREATE INDEX live_predictions_by_session ON live_predictions (session_id, t);
      `);
    },
  },
  {
    version: 3,
    name: 'registry of processes that have the store open (to name who holds a lock)',
    creates: ['store_clients'],
    up(db) {
      db.exec(`
        CREATE TABLE store_clients (
          id         INTEGER PRIMARY KEY,
          pid        INTEGER NOT NULL,
          host       TEXT NOT NULL,
          pid_start  TEXT,
          command    TEXT NOT NULL,
          opened_at  INTEGER NOT NULL
        );
      `);
    },
  },
  {
    version: 4,
    name: 'runs record how many data-parallel training workers they used',
    creates: [],
    up(db) {
      db.exec(`ALTER TABLE runs ADD COLUMN workers INTEGER;`);
    },
  },
  {
    version: 5,
    name: 'run groups (cross-validation): a group of runs, one per fold, with the summary over its folds',
    creates: ['run_groups'],
    up(db) {
      db.exec(`
        CREATE TABLE run_groups (
          id          INTEGER PRIMARY KEY,
          kind        TEXT NOT NULL CHECK (kind IN ('cv')),
          name        TEXT NOT NULL,
          status      TEXT NOT NULL CHECK (status IN ('running','completed','failed','cancelled','interrupted')),
          config      TEXT NOT NULL CHECK (json_valid(config)),
          folds       INTEGER NOT NULL CHECK (folds >= 2),
          summary     TEXT CHECK (summary IS NULL OR json_valid(summary)),
          app_version TEXT NOT NULL,
          created_at  INTEGER NOT NULL,
          started_at  INTEGER,
          ended_at    INTEGER,
          pid         INTEGER,
          host        TEXT,
          pid_start   TEXT,
          error       TEXT
        );
        CREATE INDEX run_groups_by_recency ON run_groups (coalesce(started_at, created_at) DESC, id DESC);

        -- A fold may hold several runs (one failed, then retried on resume): the group's run for a fold is its newest.
        ALTER TABLE runs ADD COLUMN group_id INTEGER REFERENCES run_groups(id) ON DELETE SET NULL;
        ALTER TABLE runs ADD COLUMN fold INTEGER CHECK (fold IS NULL OR fold >= 0);
        CREATE INDEX runs_by_group ON runs (group_id, fold, id) WHERE group_id IS NOT NULL;
      `);
    },
  },
  {
    version: 6,
    name: 'runs get a UUID that keys their folders in the data directory (several databases may share one)',
    creates: [],
    up(db) {
      // NULL for runs made before this step: they keep the folders they were given (runs/<id>, models/run-<id>).
      db.exec(`
        ALTER TABLE runs ADD COLUMN uuid TEXT CHECK (uuid IS NULL OR length(uuid) = 36);
        CREATE UNIQUE INDEX runs_by_uuid ON runs (uuid) WHERE uuid IS NOT NULL;
      `);
    },
  },
  {
    version: 7,
    name: 'runs have a kind (train, or tune: fine-tuning a model) and a tuned run records the model it started from',
    creates: [],
    up(db) {
      // The parent is kept as a path (always known) and, when the base model was a run's export, that run's id.
      db.exec(`
        ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'train' CHECK (kind IN ('train','tune'));
        ALTER TABLE runs ADD COLUMN parent_model TEXT;
        ALTER TABLE runs ADD COLUMN parent_run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL;
      `);
    },
  },
  {
    version: 8,
    name: 'hyperparameter sweeps: a sweep (its grid or random space, folds, base options) and its trials, one per recipe × fold',
    creates: ['sweeps', 'sweep_trials'],
    up(db) {
      // A trial is run as an ordinary run (run_id, once recorded); `worker` names who trains it, `attempts` how many
      // times it was started (a trial whose worker died is started again on another).
      db.exec(`
        CREATE TABLE sweeps (
          id          INTEGER PRIMARY KEY,
          name        TEXT NOT NULL,
          status      TEXT NOT NULL CHECK (status IN ('running','completed','failed','cancelled','interrupted')),
          space       TEXT NOT NULL CHECK (json_valid(space)),
          config      TEXT NOT NULL CHECK (json_valid(config)),
          folds       INTEGER NOT NULL CHECK (folds >= 1),
          queue       TEXT,
          app_version TEXT NOT NULL,
          created_at  INTEGER NOT NULL,
          started_at  INTEGER,
          ended_at    INTEGER,
          pid         INTEGER,
          host        TEXT,
          pid_start   TEXT,
          error       TEXT
        );
        CREATE INDEX sweeps_by_recency ON sweeps (coalesce(started_at, created_at) DESC, id DESC);

        CREATE TABLE sweep_trials (
          id       INTEGER PRIMARY KEY,
          sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
          recipe   INTEGER NOT NULL CHECK (recipe >= 0),
          params   TEXT NOT NULL CHECK (json_valid(params)),
          fold     INTEGER NOT NULL CHECK (fold >= 0),
          status   TEXT NOT NULL CHECK (status IN ('queued','running','completed','failed','cancelled')),
          worker   TEXT,
          run_id   INTEGER REFERENCES runs(id) ON DELETE SET NULL,
          attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
          error    TEXT,
          UNIQUE (sweep_id, recipe, fold)
        );
        CREATE INDEX sweep_trials_by_run ON sweep_trials (run_id) WHERE run_id IS NOT NULL;
      `);
    },
  },
  {
    version: 9,
    name: 'a sweep can be asked to stop from another process (ser sweep cancel, the app): cancel_requested_at',
    creates: [],
    up(db) {
      // A request, not a status: the process driving the sweep sees it, stops its trials and sets `cancelled`
      // itself; the status column keeps meaning what the driver did.
      db.exec(`ALTER TABLE sweeps ADD COLUMN cancel_requested_at INTEGER;`);
    },
  },
  {
    version: 10,
    name: 'ensembles of exported models (ser ensemble, the app) as models of their own; a live session records the ensemble it listened with',
    creates: ['ensembles'],
    up(db) {
      // An ensemble is not a run (runs.kind is train|tune): it trains nothing, it is a folder made from other models.
      // `members` is a JSON array of {runId, dir}: the run that exported each member (null for a folder given as
      // such, e.g. the built-in model) and the folder it was read from. The ensemble's folder is self-contained, so
      // it outlives its members' runs and folders.
      db.exec(`
        CREATE TABLE ensembles (
          id          INTEGER PRIMARY KEY,
          name        TEXT NOT NULL,
          path        TEXT NOT NULL,
          members     TEXT NOT NULL CHECK (json_valid(members)),
          app_version TEXT NOT NULL,
          created_at  INTEGER NOT NULL
        );
        CREATE INDEX ensembles_by_recency ON ensembles (created_at DESC, id DESC);

        ALTER TABLE live_sessions ADD COLUMN ensemble_id INTEGER REFERENCES ensembles(id) ON DELETE SET NULL;
      `);
    },
  },
];

/** Every table a file at schema `version` holds. */
export function tablesAt(version: number): string[] {
  return migrations.filter((m) => m.version <= version).flatMap((m) => m.creates);
}

/** The schema version this code writes and understands. */
export const LATEST_VERSION: number = migrations[migrations.length - 1].version;
