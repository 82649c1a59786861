/** `ser features <audio-file>`: the paper's mel spectrogram (or its 7 chunks) of one file. */
import type { Command } from 'commander';
import { parseNumber, printJson, round } from '../output.js';
import type { LoadedClip } from '../../engine/audio/load.js';

interface FeaturesOptions {
  offset: string;
  duration: string;
  json?: boolean;
  chunks?: boolean;
}

/** Nested plain arrays for JSON, 4 decimals (librosa fixtures' precision; keeps output ~1 MB not 2). */
function rows(data: Float32Array, nRows: number, nCols: number, base = 0): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < nRows; r++) {
    const row = new Array<number>(nCols);
    for (let c = 0; c < nCols; c++) row[c] = round(data[base + r * nCols + c]!, 4);
    out.push(row);
  }
  return out;
}

export function registerFeatures(program: Command): void {
  program
    .command('features')
    .description('mel spectrogram (dB) of one audio file, as the model sees it')
    .argument('<audio-file>', 'WAV, FLAC, MP3 or Ogg Vorbis file')
    .option('--offset <seconds>', 'seconds skipped at the start', '0.5')
    .option('--duration <seconds>', 'seconds kept (zero-padded when shorter)', '3')
    .option('--chunks', 'split into the 7 × 128 × 128 model input')
    .option('--json', 'print one JSON object')
    .action(async (file: string, opts: FeaturesOptions) => {
      const offset = parseNumber('--offset', opts.offset, { min: 0 });
      const duration = parseNumber('--duration', opts.duration, { min: 0.1, max: 600 });
      // Loaded on use: the wasm FFT and resampler need not slow down every other verb's start.
      const { FeatureExtractor } = await import('../../engine/audio/features.js');
      const fx = new FeatureExtractor();
      const t0 = performance.now();
      const f = await fx.fromFile(file, { offset, duration });
      const ms = performance.now() - t0;
      const { nMels, nFrames } = f;
      if (opts.chunks) {
        const { count, width } = fx.config.chunks;
        const chunks = fx.chunksOf(f.melDb, nFrames);
        if (opts.json) {
          const melDb = [];
          for (let c = 0; c < count; c++) melDb.push(rows(chunks, nMels, width, c * nMels * width));
          printJson({ file, sampleRate: f.clip.sampleRate, samples: f.clip.samples.length, shape: [count, nMels, width], melDb });
          return;
        }
        summary(file, f.clip, [count, nMels, width], chunks, ms);
        return;
      }
      if (opts.json) {
        printJson({ file, sampleRate: f.clip.sampleRate, samples: f.clip.samples.length, shape: [nMels, nFrames], melDb: rows(f.melDb, nMels, nFrames) });
        return;
      }
      summary(file, f.clip, [nMels, nFrames], f.melDb, ms);
    });
}

function summary(
  file: string,
  clip: LoadedClip,
  shape: number[],
  data: Float32Array,
  ms: number,
): void {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of data) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const lines = [
    `${file}`,
    `  source     ${clip.lengthKnown ? '' : '≥ '}${clip.fileSeconds.toFixed(3)} s, ${clip.nativeSampleRate} Hz, ${clip.nativeChannels} channel${clip.nativeChannels === 1 ? '' : 's'}${clip.truncated ? ' — truncated: less than its header declares (damaged copy?)' : ''}`,
    `  clip       ${clip.samples.length} samples at ${clip.sampleRate} Hz (${(clip.validSamples / clip.sampleRate).toFixed(3)} s of audio, rest zero-padded)`,
    `  features   ${shape.join(' × ')} mel dB, min ${min.toFixed(2)}, max ${max.toFixed(2)}, mean ${(sum / data.length).toFixed(2)}`,
    `  time       ${ms.toFixed(1)} ms`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
