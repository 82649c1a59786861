import type { Command } from 'commander';

export function registerFeatures(program: Command): void {
  program.command('features <audio-file>').description('compute the mel spectrogram features of one audio file');
}
