/**
 * End-to-end, the sweeps' done-means: `ser sweep … --queue redis://127.0.0.1:<port>` with two `ser worker`s on this
 * machine runs to completion, watched live in the Sweeps view of `ser serve` in Debian's Chromium — the trials
 * appear and reach `completed` without a reload, each recipe shows its mean ± sd, the scatter draws every trial,
 * "Open best" opens the best trial's results; then a second sweep is cancelled from the view (the request goes
 * through the database to the coordinator, which stops its trials on the workers).
 * Trials are tiny (a 48-clip slice of the dev subset, a 4-filter model, 2 epochs) so the file stays around a minute.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, launchChromium, newPage, servedUrl } from '../helpers/browser.js';
import { devSlice } from '../helpers/devSlice.js';
import { redisSkipReason, startRedis, until, type RedisServer } from '../helpers/redis.js';
import { repoRoot, serBin, sharedDir, sharedSkipReason } from '../helpers/ser.js';

const skip = !sharedDir ? sharedSkipReason : (browserSkipReason ?? redisSkipReason);

const TINY = ['--model', '{"filters":[4,4,4,4],"lstmUnits":8}', '--augment-copies', '0', '--batch-size', '8'];
const GRID = '{"lr":[0.01,0.001],"optimizer":["adam"]}';
const shots = join(repoRoot, 'test-results', 'screenshots');

type Ev = Record<string, unknown> & { event: string };
const lines = (s: string): Ev[] => s.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Ev);

interface Proc {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

let dir: string;
let env: NodeJS.ProcessEnv;
let redis: RedisServer | undefined;
const procs: Proc[] = [];
let browser: Browser;
let page: Page;
let base: string;
let data: string;

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [serBin, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((res) => child.on('close', res));
  const p = { child, out: () => out, exited };
  procs.push(p);
  return p;
}

/** A sweep on the queue, in the background; resolves with it once it is recorded. */
async function sweep(args: string[]): Promise<{ proc: Proc; id: number }> {
  const proc = start(['sweep', '--data', data, '--folds', '2', ...TINY, '--queue', redis!.url, '--db', join(dir, 'e.db'), '--json', ...args]);
  await until(() => lines(proc.out()).some((e) => e.event === 'sweep-started') || proc.child.exitCode !== null, 60_000, 'the sweep to start');
  const started = lines(proc.out()).find((e) => e.event === 'sweep-started');
  expect(started, proc.out()).toBeDefined();
  return { proc, id: started!.sweepId as number };
}

const trialRows = () => page.getByTestId('sweep-trials').locator('tbody tr');
const trialStatuses = () => trialRows().locator('td:nth-child(4)').allTextContents();

async function shot(name: string): Promise<void> {
  await page.waitForTimeout(150); // let Chart.js finish its frame
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

describe.skipIf(skip)('sweeps on a work queue, watched in the browser (ser serve + Chromium)', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vox-e2e-sweeps-'));
    mkdirSync(shots, { recursive: true });
    env = { SER_DATA_DIR: join(dir, 'data') };
    data = devSlice(join(sharedDir!, 'data', 'ravdess-dev'), join(dir, 'slice'), 12);
    redis = await startRedis();
    const workers = [0, 1].map(() => start(['worker', '--queue', redis!.url, '--json']));
    const serve = start(['serve', '--port', '0', '--json', '--db', join(dir, 'e.db')]);
    const { url, base: origin } = await servedUrl(serve.child);
    base = origin;
    for (const w of workers) await until(() => w.out().includes('"worker-ready"'), 30_000, 'a worker to be ready');
    browser = await launchChromium();
    page = await newPage(browser);
    page.on('dialog', (d) => void d.accept()); // the Cancel button's confirm()
    await page.goto(url);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited));
    redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows a queued sweep live: trials appear, reach completed, mean ± sd per recipe, the scatter, open best', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sweeps', exact: true }).click();
    await expect.poll(() => page.getByText('No sweeps yet').isVisible()).toBe(true);

    const { proc, id } = await sweep(['--grid', GRID, '--epochs', '2', '--name', 'e2e lr']);
    await page.goto(`${base}/#/sweeps/${id}`);
    // Live: the view shows the sweep running with its four trials, then every trial completed, without a reload.
    await expect.poll(() => page.getByTestId('sweep-status').textContent(), { timeout: 15_000 }).toBe('running');
    await expect.poll(() => trialRows().count()).toBe(4);
    await shot('sweeps-01-running');
    const seen = new Set<string>();
    await expect
      .poll(
        async () => {
          const s = await trialStatuses();
          s.forEach((x) => seen.add(x));
          return s;
        },
        { timeout: 90_000, interval: 500 },
      )
      .toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(seen.size, `statuses seen while it ran: ${[...seen].join(', ')}`).toBeGreaterThan(1);
    await expect.poll(() => page.getByTestId('sweep-status').textContent(), { timeout: 10_000 }).toBe('completed');
    expect(await proc.exited).toBe(0);
    expect(await page.getByTestId('sweep-resume').count(), 'a completed sweep has nothing to continue').toBe(0);

    // Every trial names the worker that trained it, and links to its run.
    const workersShown = await trialRows().locator('td:nth-child(5)').allTextContents();
    expect(workersShown.every((w) => /:\d+$/.test(w)), workersShown.join(', ')).toBe(true);
    expect(await trialRows().getByRole('link', { name: /^Run \d+ of trial \d+$/ }).count()).toBe(4);

    // Per recipe: mean ± sd over its two folds.
    const recipes = page.getByTestId('sweep-summary').locator('tbody tr');
    expect(await recipes.count()).toBe(2);
    for (const r of await recipes.all()) {
      expect(await r.locator('td').nth(1).textContent()).toBe('2');
      expect(await r.locator('td').nth(2).textContent()).toMatch(/^\d+\.\d ± \d+\.\d %$/);
    }

    // The scatter: every completed trial plotted, drawn on the canvas; another parameter re-plots them by category.
    const canvas = page.getByTestId('sweep-scatter');
    await expect.poll(() => canvas.getAttribute('data-points')).toBe('4');
    const inked = await canvas.evaluate((c: HTMLCanvasElement) => {
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) n++;
      return { n, w: c.width, h: c.height };
    });
    expect(inked.w).toBeGreaterThan(100);
    expect(inked.n).toBeGreaterThan(500);
    await page.getByRole('combobox', { name: 'Parameter' }).selectOption('optimizer');
    await expect.poll(() => canvas.getAttribute('aria-label')).toMatch(/against optimizer/);
    expect(await canvas.getAttribute('data-points')).toBe('4');
    await page.getByRole('combobox', { name: 'Parameter' }).selectOption('lr');
    await shot('sweeps-02-completed');

    // At 1024 px wide the view fits without scrolling sideways, and no table is cut off behind its own scroll bar.
    await page.setViewportSize({ width: 1024, height: 700 });
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    const clipped = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('.table-wrap')].filter((w) => w.scrollWidth > w.clientWidth + 1).map((w) => w.querySelector('table')?.getAttribute('aria-label')),
    );
    expect(clipped).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 820 });

    // By keyboard: from "Skip to content" through the view's controls, each with a visible focus ring.
    await page.getByRole('button', { name: 'Skip to content' }).focus();
    await page.keyboard.press('Enter');
    const stops: string[] = [];
    for (let i = 0; i < 12 && !stops.some((n) => /^Run \d+ of trial/.test(n)); i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        return { name: (el.getAttribute('aria-label') ?? el.textContent ?? '').trim(), outline: getComputedStyle(el).outlineStyle };
      });
      expect(f.outline, `focus ring on "${f.name}"`).not.toBe('none');
      stops.push(f.name);
    }
    expect(stops).toEqual([`#${id} e2e lr`, 'Open best', 'Parameter', expect.stringMatching(/^Run \d+ of trial \d+$/)]);

    // "Open best": the best recipe's best fold, in the Results view.
    await page.getByRole('button', { name: 'Open best' }).click();
    await page.waitForURL(/#\/runs\/\d+\/results$/);
    await expect.poll(() => page.getByTestId('confusion-matrix').isVisible(), { timeout: 15_000 }).toBe(true);
  });

  it('cancels a running sweep from the view: the coordinator stops its trials on the workers', async () => {
    const { proc, id } = await sweep(['--grid', '{"lr":[0.01]}', '--epochs', '30', '--batch-size', '4', '--name', 'e2e cancel']);
    await page.goto(`${base}/#/sweeps/${id}`);
    await expect.poll(async () => (await trialStatuses()).includes('running'), { timeout: 60_000 }).toBe(true);
    await page.getByRole('button', { name: 'Cancel sweep' }).click();
    await expect.poll(() => page.getByTestId('sweep-status').textContent(), { timeout: 30_000 }).toBe('cancelled');
    expect(await trialStatuses()).toEqual(['cancelled', 'cancelled']);
    expect(await proc.exited).toBe(130);
    expect(lines(proc.out()).at(-1)).toMatchObject({ event: 'cancelled', sweepId: id });
    expect(await page.getByRole('button', { name: 'Cancel sweep' }).count()).toBe(0);
    expect(await page.getByTestId('sweep-resume').textContent()).toMatch(new RegExp(`its 2 unfinished trials, .*ser sweep --resume ${id}$`));
    await shot('sweeps-03-cancelled');
  });
});
