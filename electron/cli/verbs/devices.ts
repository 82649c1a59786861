/** `ser devices [--json]`: the audio input devices capture can open, the default one marked. */
import type { Command } from 'commander';
import { listInputDevices } from '../../../native/audio/capture.js';
import { printJson } from '../output.js';

export function registerDevices(program: Command): void {
  program
    .command('devices')
    .description('list audio input devices (id, name, host API, channels, native sample rate); * marks the default')
    .option('--json', 'print one JSON array: [{id, name, hostAPI, channels, defaultSampleRate, default}]')
    .action(async (opts: { json?: boolean }) => {
      const devices = await listInputDevices();
      if (opts.json) {
        printJson(devices);
        return;
      }
      if (devices.length === 0) {
        process.stdout.write('no audio input devices found: connect a microphone (on Linux, check that PulseAudio/PipeWire is running)\n');
        return;
      }
      for (const d of devices) {
        process.stdout.write(`${d.default ? '*' : ' '} ${String(d.id).padStart(3)}  ${d.name}  (${d.hostAPI}, ${d.channels} ch, ${d.defaultSampleRate} Hz)\n`);
      }
    });
}
