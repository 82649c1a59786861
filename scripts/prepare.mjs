// Runs on `npm install` in a checkout: compiles the TypeScript so `npx ser` works at once.
// Skips quietly when the dev tools are absent (e.g. `npm install --omit=dev` of a packaged copy).
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  console.log('prepare: typescript not installed, skipping build');
  process.exit(0);
}
if (!existsSync('tsconfig.json')) process.exit(0);
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { stdio: 'inherit' });
