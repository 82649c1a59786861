/** Generated dataset trees for scanner tests: small real WAVs (noise bursts), named like each corpus. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeWav } from './wavWriter.js';

let seed = 12345;
function noise(n: number, amp = 0.2): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    out[i] = amp * (seed / 0x7fffffff - 0.5) * 2;
  }
  return out;
}

/** A tiny but real clip: `seconds` of noise at 8 kHz, 16-bit (fast to write and scan). */
export function clip(seconds = 0.8, sampleRate = 8000): Uint8Array {
  return writeWav({ sampleRate, channels: [noise(Math.round(seconds * sampleRate))], encoding: 'pcm16' });
}

export function put(root: string, rel: string, bytes: Uint8Array | string): string {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, bytes);
  return p;
}

/** Full RAVDESS speech naming (24 actors × 60) plus `songPerActor` song files per actor. */
export function ravdessTree(root: string, actors = 24, songPerActor = 0): void {
  for (let a = 1; a <= actors; a++) {
    const aa = String(a).padStart(2, '0');
    for (let e = 1; e <= 8; e++) {
      for (const i of e === 1 ? [1] : [1, 2]) {
        for (const s of [1, 2]) for (const r of [1, 2]) put(root, `Actor_${aa}/03-01-0${e}-0${i}-0${s}-0${r}-${aa}.wav`, clip(0.8));
      }
    }
    for (let k = 0; k < songPerActor; k++) put(root, `Actor_${aa}/03-02-03-01-01-0${(k % 2) + 1}-${aa}.wav`, clip(0.8));
  }
}
