/**
 * CPU time of the calling thread in ms (Linux: /proc/thread-self/schedstat, nanoseconds on a CPU), for profiling
 * data-parallel steps on a machine shared with other work, where wall time mostly measures the scheduler. Node 20
 * has no process.threadCpuUsage. Elsewhere (or if the file cannot be read): NaN.
 */
import { readFileSync } from 'node:fs';

let available = process.platform === 'linux';

export function threadCpuMs(): number {
  if (!available) return NaN;
  try {
    const s = readFileSync('/proc/thread-self/schedstat', 'latin1');
    return Number(s.slice(0, s.indexOf(' '))) / 1e6;
  } catch {
    available = false;
    return NaN;
  }
}
