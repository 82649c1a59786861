/**
 * A separable RAVDESS-named dataset for training tests. The CNN pools each 128×128 chunk down to one position,
 * so classes must differ in local spectro-temporal texture, not in where a line sits: steady tone, white noise,
 * click train, and a fast upward chirp sweep — four emotions (chance 25 %).
 */
import { put } from './trees.js';
import { writeWav } from './wavWriter.js';

export const TEXTURE_EMOTIONS = ['neutral', 'calm', 'happy', 'sad'] as const;

export function textureDataset(root: string, actors = 3, clipsPerClass = 4, seconds = 1.5): number {
  let seed = 99;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff - 0.5;
  };
  const sr = 48000;
  let n = 0;
  for (let a = 1; a <= actors; a++) {
    const aa = String(a).padStart(2, '0');
    for (let e = 1; e <= TEXTURE_EMOTIONS.length; e++) {
      for (let k = 0; k < clipsPerClass; k++) {
        const x = new Float64Array(Math.round(seconds * sr));
        const f0 = 300 + 200 * k + 100 * a;
        for (let i = 0; i < x.length; i++) {
          const t = i / sr;
          if (e === 1) x[i] = 0.4 * Math.sin(2 * Math.PI * f0 * t) + 0.002 * rnd();
          else if (e === 2) x[i] = 0.4 * rnd();
          else if (e === 3) x[i] = (i % Math.round(sr / (20 + 5 * k)) < 24 ? 0.6 : 0) + 0.002 * rnd();
          else x[i] = 0.4 * Math.sin(2 * Math.PI * (f0 * t + 4000 * ((t * 4) % 1) * t)) + 0.002 * rnd();
        }
        const s = (k % 2) + 1;
        const r = Math.floor(k / 2) % 2 + 1;
        const intensity = Math.floor(k / 4) + 1;
        put(root, `Actor_${aa}/03-01-0${e}-0${intensity}-0${s}-0${r}-${aa}.wav`, writeWav({ sampleRate: sr, channels: [x], encoding: 'pcm16' }));
        n++;
      }
    }
  }
  return n;
}
