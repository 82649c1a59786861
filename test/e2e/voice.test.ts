/**
 * End-to-end "Tune to my voice" in the app: `ser serve` driven in Debian's Chromium through Playwright, a private
 * PulseAudio null sink as the microphone and RAVDESS dev actor 03 as "the user" (paplay of the clip each prompt
 * asks for). The base ("built-in") model is a small one trained for real on actors 01–02. The wizard is walked
 * through: prompts, level, a take with too little voice (flagged, re-recorded), a dropped take, waveform and
 * replay of a take served through the API, then Tune with progress, before/after side by side, and Live switching
 * between the tuned and the base model while listening. Screenshots go to test-results/screenshots/voice-*.png.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, launchChromium, newPage, servedUrl, stopServer } from '../helpers/browser.js';
import { EMOTIONS } from '../../electron/shared/labels.js';
import { repoRoot, serBin, sharedDir, sharedSkipReason } from '../helpers/ser.js';
import { pulseSkipReason, startPulse, type PulseServer } from '../helpers/pulse.js';
import { trainTinyModel, type TinyModel } from '../live/helpers.js';

const skip = !sharedDir ? sharedSkipReason : (pulseSkipReason ?? browserSkipReason);
if (skip) console.warn(`voice e2e skipped: ${skip}`);

const TAKES = 3;
// Takes are longer than the clips (≈ 3.5 s) by a margin for a loaded machine, where the microphone's first level
// reaches the page, and paplay starts, late.
const SECONDS = 6;
const shots = join(repoRoot, 'test-results', 'screenshots');

describe.skipIf(!!skip)('Tune to my voice in the app (ser serve + Chromium + PulseAudio)', () => {
  let tiny: TinyModel;
  let pulse: PulseServer;
  let serve: ChildProcess;
  let browser: Browser;
  let page: Page;
  let url: string;
  let tunedRunId = 0;

  const shot = async (name: string) => {
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(shots, `voice-${name}.png`), fullPage: true });
  };
  /** Actor 03's clip of this emotion and statement (normal intensity, first repetition). */
  const clipFor = (emotion: string, statement: string) => {
    const code = String(EMOTIONS.indexOf(emotion as (typeof EMOTIONS)[number]) + 1).padStart(2, '0');
    const f = join(sharedDir!, 'data', 'ravdess-dev', 'Actor_03', `03-01-${code}-01-0${statement.startsWith('Kids') ? 1 : 2}-01-03.wav`);
    expect(existsSync(f), f).toBe(true);
    return f;
  };
  /** Clicks Record, waits until audio is being captured, then plays `clip` into the microphone (or nothing). */
  const recordTake = async (clip: string | null) => {
    await page.getByTestId('take-record').click();
    await expect.poll(async () => Number(await page.getByTestId('take-level').getAttribute('data-seconds')), { timeout: 20_000, interval: 50 }).toBeGreaterThan(0);
    if (clip) await pulse.play(clip);
    await expect.poll(() => page.getByTestId('take-wave').count(), { timeout: 20_000 }).toBe(1);
  };

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    tiny = await trainTinyModel();
    pulse = await startPulse();
    serve = spawn(process.execPath, [serBin, 'serve', '--port', '0', '--json', '--db', tiny.db], {
      env: { ...process.env, ...pulse.env, ...tiny.env, SER_BUILTIN_MODEL: tiny.modelDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    serve.stderr!.on('data', () => {});
    ({ url } = await servedUrl(serve));
    browser = await launchChromium({ autoplay: true });
    page = await newPage(browser, { width: 1280, height: 900 });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await stopServer(serve);
    await pulse?.stop();
    if (tiny) await rm(tiny.dir, { recursive: true, force: true });
  });

  it('records a guided session: prompts, level, a short take flagged and re-recorded, a take dropped, replay through the API', async () => {
    await page.goto(url);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Live', exact: true }).click();
    await expect.poll(() => page.getByTestId('tune-open').isEnabled(), { timeout: 20_000 }).toBe(true);
    await page.getByTestId('tune-open').click();
    await page.getByTestId('speaker').fill('e2e');
    await page.getByTestId('takes').fill(String(TAKES));
    await page.getByTestId('take-seconds').fill(String(SECONDS));
    await page.getByRole('button', { name: 'Start session' }).click();

    let dropped = false;
    for (let i = 0; i < 8 * TAKES; i++) {
      const emotion = EMOTIONS[Math.floor(i / TAKES)]!;
      const statement = (i % TAKES) % 2 === 0 ? 'Kids are talking by the door' : 'Dogs are sitting by the door';
      // The prompt moves on once the previous Keep or Drop has gone through the API: wait for it, do not read it at once.
      const promptParts = async () => {
        const m = /Say (.+), sounding (\w+)/.exec((await page.getByTestId('prompt').textContent()) ?? '');
        return m ? [m[1], m[2]] : null;
      };
      await expect.poll(promptParts, { timeout: 20_000 }).toEqual([statement, emotion]);
      const clip = clipFor(emotion, statement);
      if (i === 0) {
        // Nobody speaks: the take is flagged, shown with its waveform and a playable replay, then re-recorded.
        await recordTake(null);
        await expect.poll(() => page.getByTestId('take-flags').textContent()).toMatch(/short: only 0\.0 s of voice \(needs 1 s\)/);
        await expect.poll(() => page.getByTestId('take-audio').evaluate((a: HTMLAudioElement) => a.readyState), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
        expect(await page.getByTestId('take-audio').evaluate((a: HTMLAudioElement) => a.duration)).toBeCloseTo(SECONDS, 1);
        await shot('1-take-flagged');
        // The meter is cleared on the click, before the old take's deletion returns: a meter still showing the old
        // take's seconds read as "recording", and the clip played before the new capture had begun.
        const secondsAfterClick = await page.evaluate(async () => {
          [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Re-record')!.click();
          for (let k = 0; k < 10; k++) await Promise.resolve();
          return document.querySelector('[data-testid="take-level"]')!.getAttribute('data-seconds');
        });
        expect(secondsAfterClick).toBe('0');
        await expect.poll(() => page.getByTestId('take-wave').count()).toBe(0);
        await expect.poll(async () => Number(await page.getByTestId('take-level').getAttribute('data-seconds')), { timeout: 20_000, interval: 50 }).toBeGreaterThan(0);
        await pulse.play(clip);
        await expect.poll(() => page.getByTestId('take-wave').count(), { timeout: 20_000 }).toBe(1);
        expect(await page.getByTestId('take-flags').count(), (await page.getByTestId('take-info').textContent()) ?? '').toBe(0);
        await shot('2-take-ok');
      } else {
        await recordTake(clip);
      }
      if (i === 2 && !dropped) {
        // The third neutral take is dropped: the session moves on, and neutral keeps two.
        await page.getByRole('button', { name: 'Drop' }).click();
        dropped = true;
        continue;
      }
      await page.getByTestId('take-keep').click();
    }
    await expect.poll(() => page.getByTestId('session-summary').textContent()).toMatch(new RegExp(`^${8 * TAKES - 1} takes kept, 1 dropped, saved in .*recordings/voice-e2e`));
    const folder = join(tiny.env.SER_DATA_DIR!, 'recordings', 'voice-e2e');
    for (const e of EMOTIONS) expect(readdirSync(join(folder, e)), e).toHaveLength(e === 'neutral' ? TAKES - 1 : TAKES);
    await shot('3-session-done');
  }, 420_000);

  it('tunes with progress, then shows before and after side by side on the held-out takes', async () => {
    expect(await page.getByTestId('tune-base').inputValue()).toBe('built-in');
    await page.getByTestId('tune-start').click();
    await expect.poll(() => page.getByTestId('tune-progress').count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(async () => Number(await page.getByTestId('tune-progress').getAttribute('value')), { timeout: 120_000 }).toBeGreaterThan(0.1);
    await shot('4-tuning');
    await expect.poll(() => page.getByTestId('before-after').count(), { timeout: 180_000 }).toBe(1);
    expect(await page.getByTestId('before-accuracy').textContent()).toMatch(/^\d+\.\d %$/);
    expect(await page.getByTestId('after-accuracy').textContent()).toMatch(/^\d+\.\d %$/);
    const matrices = page.getByTestId('before-after').getByTestId('confusion-matrix');
    expect(await matrices.count()).toBe(2);
    for (const k of [0, 1]) {
      // One held-out take per emotion: every row of both matrices sums to 1.
      const rows = await matrices.nth(k).locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td .count')].reduce((s, c) => s + Number(c.textContent), 0)));
      expect(rows).toEqual(new Array(8).fill(1));
    }
    tunedRunId = Number(/run #(\d+)/.exec((await page.getByTestId('voice-tuner').textContent())!)![1]);
    expect(tunedRunId).toBeGreaterThan(tiny.runId);
    await shot('5-before-after');
  }, 240_000);

  it('listens with the tuned model, and switches to the base model while listening', async () => {
    await page.getByTestId('listen-tuned').click();
    await expect.poll(() => page.getByRole('button', { name: 'Stop' }).isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await page.getByTestId('model').inputValue()).toBe(`run:${tunedRunId}`);
    await expect.poll(() => page.getByText(new RegExp(`^model of run #${tunedRunId} "tuned to e2e's voice" on `)).count(), { timeout: 10_000 }).toBe(1);
    const clip = clipFor('angry', 'Kids are talking by the door');
    await pulse.play(clip);
    await expect.poll(async () => Number(await page.getByTestId('timeline').getAttribute('data-count')), { timeout: 20_000 }).toBeGreaterThan(0);
    await shot('6-live-tuned');
    // Switch to the base while the microphone stays on.
    await page.getByTestId('model').selectOption('built-in');
    await expect.poll(() => page.getByText(/^built-in model \(RAVDESS CNN-LSTM\) on /).count(), { timeout: 20_000 }).toBe(1);
    expect(await page.getByRole('button', { name: 'Stop' }).isVisible()).toBe(true);
    await pulse.play(clip);
    await expect.poll(async () => Number(await page.getByTestId('timeline').getAttribute('data-count')), { timeout: 20_000 }).toBeGreaterThan(0);
    await shot('7-live-base');
    await page.getByRole('button', { name: 'Stop' }).click();
  }, 120_000);
});
