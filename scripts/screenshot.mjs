// Screenshot of the app for the README: serves the built app headless (`ser serve`) on a database of your choice,
// opens one view in Debian's Chromium (playwright-core, no browser download) and saves a PNG.
//   node scripts/screenshot.mjs --db <copy of a database> [--view '#/compare?ids=3,4'] [--out docs/images/app.png]
//                               [--width 1280] [--height 800] [--theme light|dark]
//                               [--ser <bin/ser.js of a built checkout; default: this one>]
// The server writes to the database (client registration), so point --db at a copy. SER_DATA_DIR is set to a
// temporary folder unless given, so nothing lands in the checkout.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { values: o } = parseArgs({
  options: {
    db: { type: 'string' },
    view: { type: 'string', default: '#/experiments' },
    out: { type: 'string', default: join(root, 'docs', 'images', 'app.png') },
    width: { type: 'string', default: '1280' },
    height: { type: 'string', default: '800' },
    theme: { type: 'string', default: 'light' },
    chromium: { type: 'string', default: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
    ser: { type: 'string', default: join(root, 'bin', 'ser.js') },
  },
});
if (!o.db) {
  console.error('screenshot: --db <path> is required (use a copy: the server writes to it)');
  process.exit(2);
}

const env = { ...process.env, SER_DATA_DIR: process.env.SER_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'vox-shot-')) };
const serve = spawn(process.execPath, [resolve(o.ser), 'serve', '--port', '0', '--json', '--db', resolve(o.db)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
const { url } = await new Promise((res, rej) => {
  serve.once('exit', (code) => rej(new Error(`ser serve exited with ${code}`)));
  createInterface({ input: serve.stdout }).once('line', (line) => res(JSON.parse(line)));
});

const browser = await chromium.launch({ executablePath: o.chromium, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: Number(o.width), height: Number(o.height) }, colorScheme: o.theme === 'dark' ? 'dark' : 'light' });
  await page.goto(url);
  await page.waitForLoadState('networkidle');
  await page.evaluate((h) => { location.hash = h; }, o.view);
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(1000); // charts finish their animation
  mkdirSync(dirname(resolve(o.out)), { recursive: true });
  await page.screenshot({ path: resolve(o.out) });
  console.log(resolve(o.out));
} finally {
  await browser.close();
  serve.kill('SIGTERM');
}
