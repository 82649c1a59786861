/** `ser bench train`: times training steps of the paper's model on random input (see engine/model/train_benchmark.ts). */
import type { Command } from 'commander';
// TensorFlow.js loads inside the action only, so this module costs nothing to every other verb's start.
const backendNames = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
const isBackendName = (s: string): s is (typeof backendNames)[number] => (backendNames as readonly string[]).includes(s);
import { parseNumber, printJson, UsageError } from '../output.js';

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('benchmarks of this machine');
  bench
    .command('train')
    .description("time forward+backward+update steps of the paper's model on random input, after warm-up")
    .option('--backend <name>', `force a TensorFlow.js backend (${backendNames.join(', ')}); default: the fastest that loads`)
    .option('--batch-size <n>', 'samples per step (effective batch)', '32')
    .option('--micro-batch <n>', 'samples per forward/backward pass (gradients are accumulated); default: the whole batch up to 32')
    .option('--steps <n>', 'timed steps', '3')
    .option('--json', 'print one JSON object: {"backend","batchSize","msPerSample","samplesPerSec","msPerStepMedian",…}')
    .action(async (opts: { backend?: string; batchSize: string; microBatch?: string; steps: string; json?: boolean }) => {
      if (opts.backend !== undefined && !isBackendName(opts.backend)) {
        throw new UsageError(`option --backend must be one of ${backendNames.join(', ')}, got '${opts.backend}'`);
      }
      const batchSize = parseNumber('--batch-size', opts.batchSize, { min: 1, integer: true });
      const microBatch = opts.microBatch === undefined ? Math.min(32, batchSize) : parseNumber('--micro-batch', opts.microBatch, { min: 1, integer: true });
      const steps = parseNumber('--steps', opts.steps, { min: 1, integer: true });
      const { selectBackend } = await import('../../../native/tf/backends.js');
      const { benchmarkTraining } = await import('../../engine/model/train_benchmark.js');
      const { name } = await selectBackend(opts.backend ? { backend: opts.backend } : {});
      const r = benchmarkTraining({ batchSize, microBatch, steps });
      const out = { backend: name, batchSize: r.batchSize, msPerSample: r.msPerSample, samplesPerSec: r.samplesPerSec, msPerStepMedian: r.msPerStepMedian, microBatch: r.microBatch, steps: r.steps, stepsMs: r.stepsMs };
      if (opts.json) printJson(out);
      else {
        process.stdout.write(`backend ${name}, batch ${r.batchSize} (micro-batches of ${r.microBatch}), ${r.steps} steps\n`);
        process.stdout.write(`${r.msPerSample} ms per sample, ${r.samplesPerSec} samples/s, median step ${r.msPerStepMedian} ms\n`);
      }
    });
}
