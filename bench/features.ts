/**
 * Dataset-scale feature extraction (issue 3): a RAVDESS-sized tree (24 actors × 60 clips = 1440 files) built
 * from the dev subset (actors 01–04 re-used with a per-actor gain, so every file's content — and cache key — is
 * distinct), then scan + extract twice: cold (nothing cached) and warm (stat cache + feature cache hit).
 * Without SER_SHARED the clips are generated 3.5 s signals.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAudio, toMono } from '../electron/engine/audio/decode.js';
import { encodeWav16 } from '../electron/engine/audio/wav.js';
import { FeatureCache } from '../electron/engine/dataset/featureCache.js';
import { scanDataset, statCachePath, usableFiles } from '../electron/engine/dataset/scan.js';
import type { BenchResult } from './stats.js';

async function buildTree(root: string): Promise<number> {
  const shared = process.env.SER_SHARED;
  const sources: Array<{ name: string; samples: Float32Array }> = [];
  if (shared) {
    const dev = join(shared, 'data', 'ravdess-dev');
    for (const actor of ['Actor_01', 'Actor_02', 'Actor_03', 'Actor_04']) {
      for (const f of readdirSync(join(dev, actor)).filter((n) => n.endsWith('.wav')).sort()) {
        const d = await decodeAudio(readFileSync(join(dev, actor, f)), f);
        sources.push({ name: f, samples: toMono(d.channels) });
      }
    }
  } else {
    for (let a = 1; a <= 4; a++) {
      for (let e = 1; e <= 8; e++) {
        for (const i of e === 1 ? [1] : [1, 2]) for (const s of [1, 2]) for (const r of [1, 2]) {
          const x = new Float32Array(168000);
          for (let k = 0; k < x.length; k++) x[k] = 0.3 * Math.sin((2 * Math.PI * (150 + 40 * e + 10 * a) * k) / 48000) * (0.5 + 0.5 * Math.sin(k / 9000));
          sources.push({ name: `03-01-0${e}-0${i}-0${s}-0${r}-0${a}.wav`, samples: x });
        }
      }
    }
  }
  let n = 0;
  for (let actor = 1; actor <= 24; actor++) {
    const src = (actor - 1) % 4;
    const aa = String(actor).padStart(2, '0');
    const dir = join(root, `Actor_${aa}`);
    mkdirSync(dir, { recursive: true });
    const gain = 1 - 0.002 * actor;
    for (const s of sources.slice(src * 60, src * 60 + 60)) {
      const y = new Float32Array(s.samples.length);
      for (let i = 0; i < y.length; i++) y[i] = s.samples[i]! * gain;
      writeFileSync(join(dir, s.name.replace(/-\d\d\.wav$/, `-${aa}.wav`)), encodeWav16(y, 48000));
      n++;
    }
  }
  return n;
}

export async function benchFeatures(): Promise<BenchResult[]> {
  const base = mkdtempSync(join(tmpdir(), 'ser-bench-ds-'));
  const root = join(base, 'ravdess-1440');
  const dataDir = join(base, 'data');
  try {
    const files = await buildTree(root);
    const run = async () => {
      const t0 = performance.now();
      const scan = await scanDataset(root, { statCacheFile: statCachePath(dataDir, root) });
      const scanMs = performance.now() - t0;
      const usable = usableFiles(scan.files);
      const res = await new FeatureCache(dataDir).ensure(usable.map((f) => ({ absPath: f.absPath, contentHash: f.contentHash! })));
      return { ms: performance.now() - t0, scanMs, extractMs: res.ms, computed: res.computed, cached: res.cached, usable: usable.length, workers: res.workers };
    };
    const cold = await run();
    const warm = await run();
    const r = (x: number) => Math.round(x * 10) / 10;
    return [
      { name: 'dataset_first', median_ms: r(cold.ms), runs: 1, files, usable: cold.usable, computed: cold.computed, scan_ms: r(cold.scanMs), extract_ms: r(cold.extractMs), workers: cold.workers, cores: availableParallelism() },
      { name: 'dataset_cached', median_ms: r(warm.ms), runs: 1, files, cached: warm.cached, scan_ms: r(warm.scanMs), extract_ms: r(warm.extractMs), speedup: r(cold.ms / warm.ms) },
    ];
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
