/** `ser bench train`: times training steps of the paper's model on random input (see engine/training/trainBenchmark.ts). */
import type { Command } from 'commander';
// TensorFlow.js loads inside the action only, so this module costs nothing to every other verb's start.
import { parseNumber, printJson } from '../output.js';
import { BACKEND_CHOICES } from '../../contract/trainingOptions.js';
import { parseBackend } from '../trainOptions.js';

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('benchmarks of this machine');
  bench
    .command('train')
    .description("time forward+backward+update steps of the paper's model on random input, after warm-up")
    .option('--backend <name>', `force a TensorFlow.js backend (${BACKEND_CHOICES.join(', ')}); default: the fastest that loads`)
    .option('--batch-size <n>', 'samples per step (effective batch)', '32')
    .option('--micro-batch <n>', 'samples per forward/backward pass (gradients are accumulated); default: the whole batch up to 32')
    .option('--steps <n>', 'timed steps', '3')
    .option('--workers <n>', 'data-parallel training threads on wasm/cpu, as `ser train --workers` (default: one per core; 1 = single thread)')
    .option('--json', 'print one JSON object: {"backend","batchSize","workers","msPerSample","samplesPerSec","msPerStepMedian",…}')
    .action(async (opts: { backend?: string; batchSize: string; microBatch?: string; steps: string; workers?: string; json?: boolean }) => {
      const backend = parseBackend(opts.backend);
      const batchSize = parseNumber('--batch-size', opts.batchSize, { min: 1, integer: true });
      const steps = parseNumber('--steps', opts.steps, { min: 1, integer: true });
      const asked = opts.workers === undefined ? undefined : parseNumber('--workers', opts.workers, { min: 1, max: 256, integer: true });
      const { selectBackend } = await import('../../../native/tf/backends.js');
      const { benchmarkTraining, benchmarkParallelTraining } = await import('../../engine/training/trainBenchmark.js');
      const { defaultTrainingWorkers } = await import('../../engine/training/session.js');
      const { name } = await selectBackend(backend ? { backend } : {});
      // The same rule as `ser train`: worker threads only on the portable backends.
      const workers = name === 'wasm' || name === 'cpu' ? Math.min(asked ?? defaultTrainingWorkers(), batchSize) : 1;
      const slice = Math.ceil(batchSize / workers);
      const microBatch = opts.microBatch === undefined ? Math.min(32, slice) : parseNumber('--micro-batch', opts.microBatch, { min: 1, integer: true });
      const r =
        workers > 1
          ? await benchmarkParallelTraining({ batchSize, microBatch, steps, workers, backend: name === 'cpu' ? 'cpu' : 'wasm' })
          : { ...benchmarkTraining({ batchSize, microBatch, steps }), workers: 1 };
      const out = { backend: name, batchSize: r.batchSize, workers: r.workers, msPerSample: r.msPerSample, samplesPerSec: r.samplesPerSec, msPerStepMedian: r.msPerStepMedian, microBatch: r.microBatch, steps: r.steps, stepsMs: r.stepsMs };
      if (opts.json) printJson(out);
      else {
        process.stdout.write(`backend ${name}${r.workers > 1 ? ` × ${r.workers} workers` : ''}, batch ${r.batchSize} (micro-batches of ${r.microBatch}${r.workers > 1 ? ' per worker' : ''}), ${r.steps} steps\n`);
        process.stdout.write(`${r.msPerSample} ms per sample, ${r.samplesPerSec} samples/s, median step ${r.msPerStepMedian} ms\n`);
      }
    });
}
