/**
 * Feature pipeline benchmarks (issue 2): per 3 s clip, median ms of decode, resample 22.05→48 kHz, mel+dB and
 * the whole file→features pipeline, each over ≥ 50 runs after warm-up. Inputs are the librosa fixtures when
 * SER_SHARED is set (same clips librosa was timed on), else generated speech-like signals.
 */
import libsamplerate from '@alexanderolsen/libsamplerate-js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAudio, toMono } from '../electron/engine/audio/decode.js';
import { FeatureExtractor } from '../electron/engine/audio/features.js';
import { loadClip } from '../electron/engine/audio/load.js';
import { resample } from '../electron/engine/audio/resample.js';
import { encodeWav16 } from '../electron/engine/audio/wav.js';
import { time, type BenchResult } from './stats.js';

function synthSpeechLike(n: number, sr: number): Float32Array {
  const y = new Float32Array(n);
  let seed = 1;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const env = 0.5 + 0.5 * Math.sin((2 * Math.PI * 3 * i) / sr);
    y[i] = env * (0.3 * Math.sin((2 * Math.PI * 180 * i) / sr) + 0.1 * Math.sin((2 * Math.PI * 2200 * i) / sr) + 0.02 * (seed / 0x7fffffff - 0.5));
  }
  return y;
}

export async function benchAudio(opts: { runs?: number } = {}): Promise<BenchResult[]> {
  const runs = Math.max(50, opts.runs ?? 50);
  const shared = process.env.SER_SHARED;
  const dir = mkdtempSync(join(tmpdir(), 'ser-bench-'));
  let wav48: string;
  let wav22: string;
  let clip3s: Float32Array;
  let source: string;
  if (shared) {
    const fx = join(shared, 'fixtures', 'librosa');
    wav48 = join(fx, 'speech_48k.wav');
    wav22 = join(fx, 'speech_22k_3s.wav');
    clip3s = toMono((await decodeAudio(readFileSync(join(fx, 'speech_input_48k_3s.wav')), 'speech_input_48k_3s.wav')).channels);
    source = 'librosa fixtures';
  } else {
    clip3s = synthSpeechLike(144000, 48000);
    wav48 = join(dir, 'a48.wav');
    writeFileSync(wav48, encodeWav16(synthSpeechLike(4 * 48000, 48000), 48000));
    wav22 = join(dir, 'a22.wav');
    writeFileSync(wav22, encodeWav16(synthSpeechLike(66150, 22050), 22050));
    source = 'generated signals';
  }
  const x22 = toMono((await decodeAudio(readFileSync(wav22), wav22)).channels);
  const bytes48 = readFileSync(wav48);
  const fx = new FeatureExtractor();
  const out = new Float32Array(128 * 563);
  const full = synthSpeechLike(144000, 48000);

  const results: BenchResult[] = [];
  results.push({ ...(await time('decode', () => decodeAudio(bytes48, wav48, { start: 24000, count: 144000 }), { runs })), input: '3 s window of a 48 kHz 16-bit WAV, in memory' });
  results.push({ ...(await time('resample', () => resample(x22, 22050, 48000), { runs })), input: '3 s 22.05→48 kHz (polyphase, soxr HQ band)', librosa_ms: 0.52 });
  // The previous resampler, same clip, same sitting: what the polyphase path replaced.
  const src = await libsamplerate.create(1, 22050, 48000, { converterType: libsamplerate.ConverterType.SRC_SINC_MEDIUM_QUALITY });
  results.push({ ...(await time('resample_libsamplerate', () => src.simple(x22), { runs: Math.min(runs, 50), warmup: 5 })), input: '3 s 22.05→48 kHz (libsamplerate sinc medium, wasm)' });
  results.push({ ...(await time('melDb', () => fx.melDbOf(clip3s, out), { runs })), input: `3 s speech clip (${source})`, librosa_ms: 2.86 });
  results.push({ ...(await time('melDb_full', () => fx.melDbOf(full, out), { runs })), input: '3 s clip with no silence (every frame transformed)' });
  results.push({ ...(await time('pipeline', async () => {
    const f = await fx.fromFile(wav48);
    fx.chunksOf(f.melDb, f.nFrames);
  }, { runs })), input: 'read 48 kHz WAV file → 3 s from 0.5 s → mel dB → 7 chunks' });
  results.push({ ...(await time('pipeline_22k', async () => {
    await loadClip(wav22, { sampleRate: 48000, offset: 0, duration: 3 });
  }, { runs: Math.min(runs, 50) })), input: 'read 22.05 kHz WAV → resample → 3 s clip' });
  return results;
}
