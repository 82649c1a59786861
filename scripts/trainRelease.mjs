// `npm run train:release`: retrains the built-in model from ../shared (or SER_SHARED) with the recipe in
// scripts/release-recipe.json and installs it in resources/models/ravdess-cnn-lstm, keeping the model card
// (metadata.card) measured for MODEL.md. With `seeds` in the recipe it trains one member per seed (the recipe's
// args with that --seed), combines them with `ser ensemble` and installs the ensemble (its test figure on the
// held-out actors measured with `ser eval`). With `--split all` in the args every actor trains: there are no
// held-out actors, so no test figure is measured here (release.test is null) and the card's numbers — the recipe's
// cross-validation by speaker (`ser cv`) — are the model's figure. Same seeds, backend and worker count → the same models.
// Usage: npm run train:release [-- --dry-run]   (prints the commands only)
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
const work = mkdtempSync(join(tmpdir(), 'ser-release-'));
const db = join(work, 'release.db');
const ser = join(root, 'bin', 'ser.js');
const dryRun = process.argv.includes('--dry-run');
// Test-time windows (windowOffsets.ts): recorded in the installed model's metadata.
const windowArgs = recipe.windowOffsets ? ['--window-offsets', recipe.windowOffsets.join(',')] : [];
const quote = (args) => args.map((a) => (/[\s"'{}$*]/.test(a) ? `'${a.replaceAll("'", "'\\''")}'` : a)).join(' ');

/** The recipe's args with --seed replaced by `seed`. */
function withSeed(args, seed) {
  const out = [...args];
  const i = out.indexOf('--seed');
  if (i >= 0) out[i + 1] = String(seed);
  else out.push('--seed', String(seed));
  return out;
}

/** Runs `node ser.js …args`, passing each JSON line to onEvent; resolves with the last event and the exit code. */
function runSer(args, onEvent = () => {}) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [ser, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    let last;
    child.stdout.setEncoding('utf8').on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        last = JSON.parse(line);
        onEvent(last);
      }
    });
    child.on('close', (code) => done({ code, last }));
  });
}

const pct = (x) => (x === null || x === undefined ? '—' : `${(100 * x).toFixed(1)}%`);
/** `--split all` (or `--split=all`): nothing held out, so nothing to evaluate the model on here. */
const splitAll = recipe.args.some((a, i) => a === '--split=all' || (a === '--split' && recipe.args[i + 1] === 'all'));
const seeds = Array.isArray(recipe.seeds) && recipe.seeds.length ? recipe.seeds : [undefined];
const t0 = Date.now();
const members = [];
for (const seed of seeds) {
  const args = ['train', '--data', data, ...(seed === undefined ? recipe.args : withSeed(recipe.args, seed)), '--epochs', String(recipe.epochs), '--name', seed === undefined ? 'release' : `release seed ${seed}`, '--db', db, '--json'];
  console.log(`train:release: node ${quote([ser, ...args])}`);
  if (dryRun) continue;
  const { code, last } = await runSer(args, (e) => {
    if (e.event === 'epoch') console.log(`epoch ${e.epoch + 1}/${e.epochs}  train ${pct(e.trainAccuracy)}  val ${pct(e.valAccuracy)} (UAR ${pct(e.valUar)})  ${(e.durationMs / 1000).toFixed(0)} s  ETA ${(e.etaMs / 60000).toFixed(0)} min`);
    else if (e.event === 'started') console.log(`run ${e.runId}: ${e.trainSize} training samples on ${e.backend}`);
  });
  if (code !== 0 || last?.event !== 'finished') {
    console.error(`train:release: training did not finish (exit ${code}${last?.event === 'failed' ? `: ${last.error}` : ''})`);
    process.exit(1);
  }
  members.push({ seed: seed ?? null, runId: last.runId, modelDir: last.modelDir, trainedEpochs: last.epochs, testAccuracy: last.testAccuracy, uar: last.uar });
}

let source = members[0]?.modelDir;
// The held-out actors' figure, or null with --split all (no held-out actors).
let test = members[0] && !splitAll ? { accuracy: members[0].testAccuracy, uar: members[0].uar } : null;
if (seeds.length > 1) {
  const out = join(work, 'ensemble');
  const ensembleArgs = ['ensemble', ...members.flatMap((m) => ['--model', m.modelDir]), '--out', out, ...windowArgs, '--db', db, '--json'];
  const testSpeakers = recipe.args[recipe.args.indexOf('--test-speakers') + 1];
  const evalArgs = splitAll ? null : ['eval', '--model', out, '--data', data, '--speakers', testSpeakers, '--json'];
  console.log(`train:release: node ${quote([ser, ...ensembleArgs])}`);
  if (evalArgs) console.log(`train:release: node ${quote([ser, ...evalArgs])}`);
  else console.log('train:release: --split all: no held-out actors to evaluate the ensemble on; its figure is the cross-validation in the card');
  if (dryRun) process.exit(0);
  const made = await runSer(ensembleArgs);
  if (made.code !== 0) process.exit(1);
  if (evalArgs) {
    const evaluated = await runSer(evalArgs);
    if (evaluated.code !== 0 || typeof evaluated.last?.accuracy !== 'number') {
      console.error('train:release: the ensemble could not be evaluated');
      process.exit(1);
    }
    test = { accuracy: evaluated.last.accuracy, uar: evaluated.last.uar };
  }
  source = out;
}
if (dryRun) process.exit(0);

const dest = join(root, 'resources', 'models', 'ravdess-cnn-lstm');
const previous = existsSync(join(dest, 'metadata.json')) ? JSON.parse(readFileSync(join(dest, 'metadata.json'), 'utf8')) : undefined;
mkdirSync(dest, { recursive: true });
for (const f of ['model.json', 'weights.bin']) copyFileSync(join(source, f), join(dest, f));
const metadata = JSON.parse(readFileSync(join(source, 'metadata.json'), 'utf8'));
if (previous?.card) metadata.card = previous.card;
// Files are classified over the recipe's test-time windows (a single model has no ensemble step to record them).
if (recipe.windowOffsets) metadata.windowOffsets = recipe.windowOffsets;
metadata.release = { recipe: recipe.args, epochs: recipe.epochs, seeds: members.map((m) => m.seed), members, test, wallTimeMs: Date.now() - t0 };
writeFileSync(join(dest, 'metadata.json'), JSON.stringify(metadata, null, 1));
const seedsText = `seeds ${members.map((m) => m.seed).join(', ')}`;
const what = members.length > 1 ? `ensemble of ${members.length} (${splitAll ? seedsText : `${seedsText}; members ${members.map((m) => pct(m.testAccuracy)).join(', ')}`})` : 'model';
const cv = metadata.card?.newSpeakers;
const figure = test
  ? `test accuracy ${pct(test.accuracy)} (UAR ${pct(test.uar)}) on the held-out actors`
  : `trained on every actor (split all): no held-out figure; the card keeps the recipe's cross-validation, ${cv ? `${pct(cv.accuracy)} (UAR ${pct(cv.uar)})` : 'none recorded yet — measure it with ser cv'}`;
console.log(`train:release: ${what}: ${figure}; installed in ${dest} after ${((Date.now() - t0) / 60000).toFixed(1)} min`);
