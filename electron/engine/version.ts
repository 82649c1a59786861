import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** Repository / app root: the folder holding package.json (works from electron/ sources and from dist/). */
export const appRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'vox-affect') return dir;
    } catch {
      /* keep walking up */
    }
    dir = dirname(dir);
  }
  return process.cwd();
})();

export const appVersion: string = (
  JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { version: string }
).version;
