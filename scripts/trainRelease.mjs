// `npm run train:release`: retrains the built-in model from ../shared (or SER_SHARED) with the recipe in
// scripts/release-recipe.json and installs the export in resources/models/ravdess-cnn-lstm, keeping the model
// card (metadata.card) measured for MODEL.md. Same seed, backend and worker count → the same run.
// Usage: npm run train:release [-- --dry-run]   (prints the command only)
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const recipe = JSON.parse(readFileSync(join(root, 'scripts', 'release-recipe.json'), 'utf8'));
const shared = resolve(process.env.SER_SHARED ?? join(root, '..', 'shared'));
const data = join(shared, recipe.data);
if (!existsSync(data)) {
  console.error(`train:release: ${data} not found; set SER_SHARED to the folder holding data/ravdess-20`);
  process.exit(1);
}
const db = join(mkdtempSync(join(tmpdir(), 'ser-release-')), 'release.db');
const args = [join(root, 'bin', 'ser.js'), 'train', '--data', data, ...recipe.args, '--epochs', String(recipe.epochs), '--name', 'release', '--db', db, '--json'];
console.log(`train:release: node ${args.map((a) => (/[\s"'{}$*]/.test(a) ? `'${a.replaceAll("'", "'\\''")}'` : a)).join(' ')}`);
if (process.argv.includes('--dry-run')) process.exit(0);

const t0 = Date.now();
const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
let buf = '';
let last;
child.stdout.setEncoding('utf8').on('data', (d) => {
  buf += d;
  let nl;
  while ((nl = buf.indexOf('\n')) >= 0) {
    const line = buf.slice(0, nl);
    buf = buf.slice(nl + 1);
    if (!line.trim()) continue;
    const e = JSON.parse(line);
    last = e;
    if (e.event === 'epoch') {
      const pct = (x) => (x === null ? '—' : `${(100 * x).toFixed(1)}%`);
      console.log(`epoch ${e.epoch + 1}/${e.epochs}  train ${pct(e.trainAccuracy)}  val ${pct(e.valAccuracy)} (UAR ${pct(e.valUar)})  ${(e.durationMs / 1000).toFixed(0)} s  ETA ${(e.etaMs / 60000).toFixed(0)} min`);
    } else if (e.event === 'started') console.log(`run ${e.runId}: ${e.trainSize} training samples on ${e.backend}`);
  }
});
const code = await new Promise((r) => child.on('close', r));
if (code !== 0 || last?.event !== 'finished') {
  console.error(`train:release: training did not finish (exit ${code}${last?.event === 'failed' ? `: ${last.error}` : ''})`);
  process.exit(1);
}

const dest = join(root, 'resources', 'models', 'ravdess-cnn-lstm');
const previous = existsSync(join(dest, 'metadata.json')) ? JSON.parse(readFileSync(join(dest, 'metadata.json'), 'utf8')) : undefined;
mkdirSync(dest, { recursive: true });
for (const f of ['model.json', 'weights.bin']) copyFileSync(join(last.modelDir, f), join(dest, f));
const metadata = JSON.parse(readFileSync(join(last.modelDir, 'metadata.json'), 'utf8'));
if (previous?.card) metadata.card = previous.card;
metadata.release = { recipe: recipe.args, epochs: recipe.epochs, trainedEpochs: last.epochs, wallTimeMs: Date.now() - t0 };
writeFileSync(join(dest, 'metadata.json'), JSON.stringify(metadata, null, 1));
console.log(`train:release: test accuracy ${(100 * last.testAccuracy).toFixed(1)}% (UAR ${(100 * last.uar).toFixed(1)}%) on actors 19–20; installed in ${dest} after ${((Date.now() - t0) / 60000).toFixed(1)} min`);
