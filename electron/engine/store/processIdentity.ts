/**
 * Who owns a run: pid + host + (on Linux) a start stamp. A bare pid is not enough to tell whether the owner
 * is still alive, because pids get reused; the start stamp (boot id + process start time from /proc)
 * tells a reused pid apart from the original process.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface ProcessIdentity {
  pid: number;
  host: string;
  /** `<boot id>:<start ticks>` on Linux, null where the OS does not expose it. */
  start: string | null;
}

export type Liveness = 'alive' | 'dead' | 'unknown';

function readStart(pid: number): string | null {
  if (process.platform !== 'linux') return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces and parentheses: fields after the last ')' are well-formed.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = rest[19]; // field 22 overall
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return startTicks ? `${bootId}:${startTicks}` : null;
  } catch {
    return null;
  }
}

let self: ProcessIdentity | undefined;

export function currentProcess(): ProcessIdentity {
  self ??= { pid: process.pid, host: hostname(), start: readStart(process.pid) };
  return self;
}

/**
 * Whether the process that recorded (pid, host, start) still runs. 'unknown' for another host:
 * we cannot look at its processes, so callers must leave its runs alone.
 */
export function processLiveness(pid: number | null, host: string | null, start: string | null): Liveness {
  if (pid === null) return 'dead';
  const me = currentProcess();
  if (host !== null && host !== me.host) return 'unknown';
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: exists but belongs to another user — alive.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return 'dead';
  }
  if (start !== null) {
    const now = readStart(pid);
    if (now !== null && now !== start) return 'dead'; // the pid was reused by another process
  }
  return 'alive';
}
