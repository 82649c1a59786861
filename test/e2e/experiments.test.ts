/**
 * End-to-end, cross-validation in the Experiments view (`ser serve` in Debian's Chromium): a group trained by
 * `ser cv` is one row with its mean ± sd that expands to its fold runs; a group stopped by SIGTERM shows
 * `interrupted` and the `ser cv --resume <id>` that continues it, and a completed one does not.
 * Folds are tiny (a 48-clip slice of the dev subset, a 4-filter model) so the file stays well under a minute.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, launchChromium, newPage, servedUrl, stopServer } from '../helpers/browser.js';
import { devSlice } from '../helpers/devSlice.js';
import { repoRoot, serBin, sharedDir, sharedSkipReason } from '../helpers/ser.js';

const skip = !sharedDir ? sharedSkipReason : browserSkipReason;

const TINY = ['--model', '{"filters":[4,4,4,4],"lstmUnits":8}', '--augment-copies', '0', '--batch-size', '8'];
const shots = join(repoRoot, 'test-results', 'screenshots');

let dir: string;
let env: NodeJS.ProcessEnv;
let data: string;
let db: string;
let serve: ChildProcess | undefined;
let browser: Browser;
let page: Page;
let url: string;

/** `ser cv` on the slice; with `stopAtEpoch`, SIGTERM once that many epoch events have been printed. */
async function cv(name: string, epochs: number, stopAtEpoch?: number): Promise<{ code: number | null; out: string }> {
  const args = ['cv', '--data', data, '--folds', '2', '--epochs', String(epochs), ...TINY, '--name', name, '--db', db, '--json'];
  const child = spawn(process.execPath, [serBin, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    if (stopAtEpoch !== undefined && !child.killed && (out.match(/"event":"epoch"/g) ?? []).length >= stopAtEpoch) child.kill('SIGTERM');
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const code = await new Promise<number | null>((res) => child.on('close', res));
  return { code, out };
}

const groupRows = () => page.locator('table[aria-label="Runs"] tbody tr.group');
const groupRow = (name: string) => groupRows().filter({ hasText: name });

describe.skipIf(skip)('cross-validation groups in the Experiments view (ser serve + Chromium)', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vox-e2e-cv-'));
    mkdirSync(shots, { recursive: true });
    env = { SER_DATA_DIR: join(dir, 'data') };
    db = join(dir, 'e.db');
    data = devSlice(join(sharedDir!, 'data', 'ravdess-dev'), join(dir, 'slice'), 12);

    const done = await cv('e2e cv done', 1);
    expect(done.code, done.out).toBe(0);
    const stopped = await cv('e2e cv stopped', 30, 1);
    expect(stopped.code, stopped.out).toBe(130);
    expect(stopped.out).toMatch(/"event":"cancelled"[^\n]*"interrupted":true/);

    serve = spawn(process.execPath, [serBin, 'serve', '--port', '0', '--json', '--db', db], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    ({ url } = await servedUrl(serve));
    browser = await launchChromium();
    page = await newPage(browser);
    await page.goto(url);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stopServer(serve);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows each group as one row; a completed one expands to its folds and has nothing to continue', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Experiments', exact: true }).click();
    await expect.poll(() => groupRows().count(), { timeout: 15_000 }).toBe(2);
    // The fold runs are hidden under their group until it is expanded.
    expect(await page.locator('tr.fold').count()).toBe(0);

    const done = groupRow('e2e cv done');
    expect(await done.locator('.badge').textContent()).toBe('completed');
    expect(await done.getByText('CV 2 folds').count()).toBe(1);
    expect(await done.locator('td').nth(7).textContent(), 'accuracy mean ± sd').toMatch(/\d+(\.\d)?\s*%.*±/s);
    expect(await done.getByTestId('cv-resume').count(), 'a completed group has nothing to continue').toBe(0);

    await done.getByRole('button', { name: /^Show the folds of cross-validation \d+$/ }).click();
    await expect.poll(() => page.locator('tr.fold').count()).toBe(2);
    const folds = await page.locator('tr.fold td.name a').allTextContents();
    expect(folds.map((t) => t.replace(/^#\d+ /, ''))).toEqual(['Fold 1', 'Fold 2']);
    expect(await page.locator('tr.fold .badge').allTextContents()).toEqual(['completed', 'completed']);
    await page.screenshot({ path: join(shots, 'experiments-cv.png'), fullPage: true });
  });

  it('shows a group stopped by SIGTERM as interrupted, with the command that continues it', async () => {
    const stopped = groupRow('e2e cv stopped');
    expect(await stopped.locator('.badge').textContent()).toBe('interrupted');
    expect(await stopped.textContent()).toMatch(/0\/2 done/);
    const hint = stopped.getByTestId('cv-resume');
    const id = (await stopped.getByRole('button').getAttribute('aria-label'))!.match(/(\d+)$/)![1];
    expect(await hint.textContent()).toContain(`ser cv --resume ${id}`);
    await stopped.getByRole('button').click();
    await expect.poll(() => page.locator('tr.fold .badge').allTextContents()).toContain('interrupted');
  });
});
if (skip) console.warn(`Experiments cross-validation e2e skipped: ${skip}`);
