/**
 * Ours against PyTorch, side by side, the way issue 10's figure must be measured on a noisy machine: alternating
 * rounds of `ser bench train --json` (batch 32, default workers) and the same model in PyTorch
 * (bench/reference/pytorch_model.py, tuned allocator, 2 threads), then the medians and their ratio. Run it with
 * nothing else on the cores (pause long jobs with SIGSTOP; `nice` does not protect a benchmark here).
 *
 *   npx tsx bench/sideBySide.ts [--rounds 5] [--steps 5] [--python /usr/bin/python3] [--env SER_CONV_KERNEL=winograd2]
 *
 * Prints one JSON line per measurement and a last line {"name":"sideBySide","oursMs":[…],"pytorchMs":[…],
 * "medianOurs","medianPytorch","ratio"}.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, median, round2 } from './stats.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const TUNED_MALLOC = { MALLOC_MMAP_THRESHOLD_: '4294967296', MALLOC_TRIM_THRESHOLD_: '68719476736', MALLOC_TOP_PAD_: '1073741824' };


/** Runs a command and returns the msPerSample of its first JSON line that has one; throws with its stderr. */
function msPerSample(cmd: string, args: string[], env: NodeJS.ProcessEnv): number {
  const r = spawnSync(cmd, args, { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.trim().split('\n').at(-1) ?? ''}`);
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const o = JSON.parse(line) as { msPerSample?: number };
    if (typeof o.msPerSample === 'number') {
      process.stdout.write(`${line}\n`);
      return o.msPerSample;
    }
  }
  throw new Error(`${cmd}: no msPerSample in its output`);
}


function main(): void {
  const rounds = Number(arg('rounds', '5'));
  const steps = arg('steps', '5');
  const python = arg('python', '/usr/bin/python3');
  const extra = arg('env', '');
  const oursEnv: NodeJS.ProcessEnv = extra.includes('=') ? { [extra.split('=')[0]!]: extra.slice(extra.indexOf('=') + 1) } : {};
  if (!(rounds >= 1)) throw new Error('--rounds must be ≥ 1');
  const ours: number[] = [];
  const torch: number[] = [];
  for (let r = 0; r < rounds; r++) {
    ours.push(msPerSample(process.execPath, [join(root, 'bin', 'ser.js'), 'bench', 'train', '--json', '--steps', steps], oursEnv));
    torch.push(msPerSample(python, [join(root, 'bench', 'reference', 'pytorch_model.py'), '--threads', '2', '--steps', steps, '--infer-runs', '1'], TUNED_MALLOC));
  }
  const mo = median(ours);
  const mp = median(torch);
  process.stdout.write(`${JSON.stringify({ name: 'sideBySide', oursMs: ours, pytorchMs: torch, medianOurs: mo, medianPytorch: mp, ratio: round2(mp / mo) })}\n`);
}

try {
  main();
} catch (err) {
  process.stderr.write(`sideBySide: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
