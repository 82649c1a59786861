import { execFileSync } from 'node:child_process';

/** Whether this machine's sox can write `fmt` (as its `-h` lists it; CI installs sox + libsox-fmt-all). */
export function hasSox(fmt: string): boolean {
  let help: string;
  try {
    help = execFileSync('sox', ['-h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (err) {
    // sox -h exits 1 on some builds but still prints the list; no sox at all leaves no output.
    help = String((err as { stdout?: string }).stdout ?? '');
  }
  return (help.split('\n').find((l) => l.startsWith('AUDIO FILE FORMATS')) ?? '').split(' ').includes(fmt);
}
