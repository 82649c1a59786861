// `npm start`: opens the desktop app (Electron). When the Electron binary is not installed — electron is an
// optional dependency and its download fails on machines without access to GitHub — it says so and starts the
// headless mode instead (`ser serve`), printing the URL to open in a browser. Builds first if needed.
// Arguments after `npm start --` go to `ser serve` in headless mode (e.g. `npm start -- --port 8080`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);

function built() {
  return ['dist/electron/main.js', 'dist/electron/preload.cjs', 'dist/electron/cli/main.js', 'dist/renderer/index.html'].every((f) => existsSync(join(root, f)));
}

if (!built()) {
  console.log('start: building the app first (npm run build)…');
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** Path of the Electron binary, or why there is none. */
function electronBinary() {
  try {
    // The electron package's main export is the path of its downloaded binary; it throws when the download failed.
    const bin = require('electron');
    if (typeof bin === 'string' && existsSync(bin)) return { bin };
    return { why: 'the electron package is installed but its binary is missing (its download failed)' };
  } catch (err) {
    const code = err && typeof err === 'object' ? err.code : undefined;
    if (code === 'MODULE_NOT_FOUND') return { why: 'electron is not installed (optional dependency: its binary download failed or was skipped)' };
    return { why: `electron cannot be loaded: ${String(err && err.message ? err.message : err).split('\n')[0]}` };
  }
}

const found = process.env.VOX_HEADLESS ? { why: 'VOX_HEADLESS is set' } : electronBinary();
let child;
if (found.bin) {
  child = spawn(found.bin, [root, ...args], { cwd: root, stdio: 'inherit' });
} else {
  console.log(`start: ${found.why}.`);
  console.log('start: starting the headless mode instead (ser serve): open the URL below in a browser.');
  child = spawn(process.execPath, [join(root, 'bin', 'ser.js'), 'serve', ...args], { cwd: root, stdio: 'inherit' });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
