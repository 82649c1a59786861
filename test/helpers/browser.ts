import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from './ser.js';

/** Debian's Chromium, driven by playwright-core (no browser download at install time; `.ci/run` installs it). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. */
export const browserSkipReason: string | undefined =
  !existsSync(CHROMIUM) ? `${CHROMIUM} is missing: apt-get install chromium (.ci/run does) to run the browser tests`
  : !existsSync(join(repoRoot, 'dist', 'renderer', 'index.html')) ? 'the renderer is not built: npm run build'
  : undefined;

/** Headless Chromium as every browser test runs it; `autoplay` lets a page play audio without a click first. */
export function launchChromium(opts: { autoplay?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...(opts.autoplay ? ['--autoplay-policy=no-user-gesture-required'] : []),
    ],
  });
}

/**
 * What `ser serve --json` prints first: the app's address with its token (`url`), the token, and the origin the
 * API is under (`base`). Rejects when the server exits before printing it.
 */
export async function servedUrl(serve: ChildProcess): Promise<{ url: string; token: string; base: string }> {
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: serve.stdout! }).once('line', resolve);
    serve.once('exit', (code) => reject(new Error(`ser serve exited with ${code}`)));
  });
  const { url, token } = JSON.parse(line) as { url: string; token: string };
  return { url, token, base: url.slice(0, url.indexOf('/?')) };
}

/** A new page of `browser` that prints the app's uncaught errors on the test's stderr. */
export async function newPage(browser: Browser, viewport = { width: 1280, height: 820 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  page.on('pageerror', (err) => console.error('page error:', err.message));
  return page;
}

/** SIGTERM to a server still running; resolves once it has exited. */
export async function stopServer(serve: ChildProcess | undefined): Promise<void> {
  if (!serve || serve.exitCode !== null) return;
  const exited = new Promise((r) => serve.once('exit', r));
  serve.kill('SIGTERM');
  await exited;
}
