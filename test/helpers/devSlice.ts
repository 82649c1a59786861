import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A small slice of the RAVDESS dev subset in `dir`: every actor, `perActor` clips each (every few files, so every
 * emotion can appear), copied under the same names so the scanner reads them as RAVDESS. Returns `dir`.
 */
export function devSlice(dev: string, dir: string, perActor: number): string {
  for (const actor of readdirSync(dev).filter((d) => d.startsWith('Actor_'))) {
    const clips = readdirSync(join(dev, actor)).filter((f) => f.endsWith('.wav')).sort();
    const step = Math.max(1, Math.floor(clips.length / perActor));
    mkdirSync(join(dir, actor), { recursive: true });
    for (const f of clips.filter((_, i) => i % step === 0).slice(0, perActor)) copyFileSync(join(dev, actor, f), join(dir, actor, f));
  }
  return dir;
}
