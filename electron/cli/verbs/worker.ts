/**
 * `ser worker --queue redis://… [--concurrency N] [--backend name] [--data-root dir] [--lock-duration ms] [--json]`:
 * trains the trials of sweeps sent to a work queue (`ser sweep --queue`), on this machine, until stopped.
 * Ctrl-C or SIGTERM stops it at once; a trial it was training goes back to the queue (BullMQ's stalled-job
 * recovery) and another worker takes it up, from its checkpoint when that worker shares this data folder.
 */
import type { Command } from 'commander';
import { defaultDataDir } from '../../engine/dataDir.js';
import { checkQueueUrl, parseNumber, printJson } from '../output.js';
import { BACKEND_HELP, parseBackend } from '../trainOptions.js';
import { pct } from '../metricsTable.js';

interface WorkerFlags {
  queue: string;
  concurrency?: string;
  backend?: string;
  dataRoot?: string;
  lockDuration?: string;
  json?: boolean;
}

async function runWorker(flags: WorkerFlags): Promise<void> {
  const concurrency = flags.concurrency !== undefined ? parseNumber('--concurrency', flags.concurrency, { integer: true, min: 1, max: 64 }) : 1;
  const lockDurationMs = flags.lockDuration !== undefined ? parseNumber('--lock-duration', flags.lockDuration, { integer: true, min: 1000, max: 3_600_000 }) : undefined;
  const backend = parseBackend(flags.backend);
  await checkQueueUrl(flags.queue);
  const { startTrialWorker } = await import('../../services/sweepQueue.js');
  const worker = await startTrialWorker(flags.queue, {
    dataDir: defaultDataDir(),
    concurrency,
    ...(flags.dataRoot ? { dataRoot: flags.dataRoot } : {}),
    ...(backend ? { backend } : {}),
    ...(lockDurationMs !== undefined ? { lockDurationMs } : {}),
  });
  worker.onEvent((e) => {
    if (flags.json) return printJson(e);
    switch (e.event) {
      case 'worker-ready':
        return void process.stdout.write(`worker ${e.worker} on ${e.queue}: up to ${e.concurrency} trial(s) at once (Ctrl-C stops)\n`);
      case 'trial-started':
        return void process.stdout.write(`sweep ${e.sweepId} trial ${e.trialId} (run ${e.runId})${e.attempt > 1 ? `, attempt ${e.attempt}` : ''}: training\n`);
      case 'trial-finished':
        return void process.stdout.write(`trial ${e.trialId} (run ${e.runId}): test accuracy ${pct(e.testAccuracy)}  UAR ${pct(e.uar)}\n`);
      default:
        return void process.stderr.write(`${e.event.replace('trial-', 'trial ')} (${e.jobId}): ${e.error}\n`);
    }
  });
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      // Forced: a trial in flight is not failed here; the queue gives it to another worker.
      void worker.close(true).then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('train the trials of sweeps sent to a work queue (ser sweep --queue), on this machine, until stopped')
    .requiredOption('--queue <url>', 'the work queue: redis://[user:password@]host:6379/0, or rediss:// for TLS')
    .option('--concurrency <n>', 'trials trained at once (default 1; each gets cores / n training threads)')
    .option('--backend <name>', `train with this backend whatever the sweep asked: ${BACKEND_HELP}`)
    .option('--data-root <dir>', "where this machine keeps datasets: a trial's dataset is the folder under it with the same content fingerprint (default: only the coordinator's path)")
    .option('--lock-duration <ms>', "how long a claim on a trial lasts without renewal; a dead worker's trial goes to another after about this (default 30000)")
    .option('--json', 'one JSON event per line')
    .action(async (flags: WorkerFlags) => runWorker(flags));
}
