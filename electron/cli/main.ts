/**
 * The `ser` command: parse → call the engine → print. Verbs live in ./verbs, one file each.
 * Exit codes: 0 ok, 1 runtime failure (bad file, missing data…), 2 usage error (unknown verb/option).
 */
import { Command, CommanderError } from 'commander';
import { appVersion } from '../engine/version.js';
import { toErrorInfo } from '../shared/errors.js';
import { verbs } from './verbs/index.js';
import { UsageError } from './output.js';

export function buildProgram(): Command {
  const program = new Command('ser')
    .description('Vox Affect: speech emotion recognition from the command line')
    .version(appVersion, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      // Commander prints "error: ..." itself; keep it to one line.
      writeErr: (s) => process.stderr.write(s.split('\n').filter(Boolean)[0] + '\n'),
    });
  for (const register of verbs) register(program);
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s.split('\n').filter(Boolean)[0] + '\n'),
    });
    for (const sub of cmd.commands) sub.exitOverride();
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length === 0) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`ser: ${err.message}\n`);
      return 2;
    }
    const info = toErrorInfo(err);
    process.stderr.write(`ser: ${info.message}\n`);
    if (process.env.SER_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}
