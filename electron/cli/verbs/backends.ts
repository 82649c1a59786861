/** `ser backends [--json]`: which TensorFlow.js backends load here, which one the app would pick, and why not the others. */
import type { Command } from 'commander';
import { printJson } from '../output.js';

export function registerBackends(program: Command): void {
  program
    .command('backends')
    .description('list the TensorFlow.js backends (tensorflow-gpu, tensorflow, wasm, cpu): available or why not, and the one selected')
    .option('--json', 'print one JSON object: {"backends":[{name, available, reason?, selected?}]}')
    .action(async (opts: { json?: boolean }) => {
      // TensorFlow.js is loaded on use only: it would slow down every other verb's start.
      const { listBackends, selectBackend } = await import('../../../native/tf/backends.js');
      await selectBackend();
      const backends = await listBackends();
      if (opts.json) {
        printJson({ backends });
        return;
      }
      for (const b of backends) {
        const mark = b.selected ? '*' : ' ';
        process.stdout.write(`${mark} ${b.name.padEnd(15)} ${b.available ? 'available' : `unavailable: ${b.reason}`}\n`);
      }
    });
}
