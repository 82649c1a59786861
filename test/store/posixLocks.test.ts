/**
 * Opening the database again in a process that holds it open must not drop that process's locks. Inspection reads
 * the file through plain descriptors, and closing any descriptor of a file releases every POSIX lock the process
 * holds on it (fcntl(2)), SQLite's included; another process reading the database then took itself for its last
 * user and checkpointed the WAL away under the open connections — a `ser sweep` read by the sqlite3 shell failed
 * every trial after the first with SQLITE_IOERR_SHORT_READ. The outside reader is the sqlite3 shell (Debian's
 * `sqlite3`, installed by .ci/run), as a user browsing their experiments would use.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../electron/engine/store/store.js';

function shell(path: string, sql: string): string {
  const r = spawnSync('sqlite3', [path, sql], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

const hasShell = spawnSync('sqlite3', ['-version']).status === 0;
if (!hasShell) process.stderr.write('posixLocks.test.ts: skipped, the sqlite3 shell is not installed (apt-get install sqlite3)\n');

describe.skipIf(!hasShell)('POSIX locks of an open database', () => {
  it('a second store on the same file (a sweep’s next trial) keeps the first one working while another process reads', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ser-posix-locks-')), 'experiments.db');
    const coordinator = openStore(path);
    try {
      coordinator.runs.create({ name: 'trial 1', config: {}, status: 'running' });
      for (let trial = 2; trial <= 4; trial++) {
        const session = openStore(path); // opened, used and closed per trial, as a sweep's training session does
        session.runs.create({ name: `trial ${trial}`, config: {}, status: 'running' });
        expect(shell(path, 'SELECT count(*) FROM runs')).toBe(String(trial));
        session.close();
        expect(shell(path, 'SELECT count(*) FROM runs')).toBe(String(trial));
        // The coordinator's connection still reads and writes what everyone else sees.
        expect(coordinator.runs.list().length).toBe(trial);
      }
      coordinator.runs.create({ name: 'after', config: {}, status: 'running' });
      expect(shell(path, 'SELECT count(*) FROM runs')).toBe('5');
    } finally {
      coordinator.close();
    }
  });
});
