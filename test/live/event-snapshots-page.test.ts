/**
 * The live view's page in a real Chromium shows recent track events with their best pictures: an event raised
 * before the page opened (replayed) and one raised while it is open each show their JPEG, at its size and with its
 * pixels; a reconnect of the event stream adds no duplicate. The events enter through the live view's sink as the
 * tracking stage emits them (the tracker itself is covered by test/tracking and live-video.test.ts).
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/shared-models.js';
import { hasChromium, launch, testDir, type Browser } from './browser.js';
import { startLive, type LiveSetup } from './live-harness.js';
import { WAIT_MS } from './page-tools.js';
import { trackEnd, twoColourJpeg } from './track-events.js';

const dir = testDir('events');
let setup: LiveSetup;
let browser: Browser;

beforeAll(async () => {
  if (!hasChromium) return;
  setup = await startLive({ noSensor: true, webRoot: path.join(projectRoot, 'web') });
  browser = await launch(dir);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await setup?.stop();
});

interface Shown {
  id: string | null;
  src: string;
  width: number;
  height: number;
  /** r, g, b at a quarter and at three quarters of the width, half the height. */
  left: number[];
  right: number[];
  text: string;
}

/** The listed events, newest first, with their picture's natural size and two pixels (null while not loaded). */
function shownEvents(page: Page): Promise<Array<Shown | null>> {
  return page.$$eval('#event-list li', (items) =>
    items.map((item) => {
      const img = item.querySelector<HTMLImageElement>('img.thumb');
      if (!img || !img.complete || img.naturalWidth === 0) return null;
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const g = canvas.getContext('2d')!;
      g.drawImage(img, 0, 0);
      const pixel = (x: number, y: number): number[] => Array.from(g.getImageData(Math.floor(x), Math.floor(y), 1, 1).data.slice(0, 3));
      return {
        id: item.getAttribute('data-event-id'),
        src: img.getAttribute('src') ?? '',
        width: img.naturalWidth,
        height: img.naturalHeight,
        left: pixel(img.naturalWidth / 4, img.naturalHeight / 2),
        right: pixel((img.naturalWidth * 3) / 4, img.naturalHeight / 2),
        text: item.querySelector('.event-what')?.textContent ?? '',
      };
    }),
  );
}

async function waitForEvents(page: Page, count: number): Promise<Shown[]> {
  await page.waitForFunction((n) => document.querySelectorAll('#event-list li').length >= n, count, { timeout: WAIT_MS });
  await page.locator('#event-list').scrollIntoViewIfNeeded();
  await page.waitForFunction(
    (n) => {
      const imgs = [...document.querySelectorAll<HTMLImageElement>('#event-list li img.thumb')];
      return imgs.length >= n && imgs.every((img) => img.complete && img.naturalWidth > 0);
    },
    count,
    { timeout: WAIT_MS },
  );
  return (await shownEvents(page)) as Shown[];
}

const near = (pixel: number[], colour: number[], tolerance = 40): boolean => pixel.every((v, i) => Math.abs(v - colour[i]!) <= tolerance);
const RED = [220, 30, 30];
const BLUE = [30, 30, 220];

describe.skipIf(!hasChromium)('recent events on the page', () => {
  it('shows each end event with its best picture (its size, its pixels, a JPEG), replayed or live, and no duplicate after a reconnect', async () => {
    const before = await twoColourJpeg(160, 120);
    const during = await twoColourJpeg(240, 100);
    const sink = setup.live.sinkFor('cam');
    sink.event!(trackEnd(11, new Uint8Array(before)));

    const { page, errors } = await browser.page();
    expect((await page.goto(`http://127.0.0.1:${setup.port}/`))?.status()).toBe(200);
    const [replayed] = await waitForEvents(page, 1);
    expect(replayed).toMatchObject({ width: 160, height: 120, text: 'track_end person #11 best score 0.93' });
    expect(replayed!.src).toMatch(/^\/api\/snapshots\/[0-9a-f]{32}\.jpg$/);

    sink.event!(trackEnd(12, new Uint8Array(during)));
    const shown = await waitForEvents(page, 2);
    expect(shown.map((s) => [s.text, s.width, s.height])).toEqual([
      ['track_end person #12 best score 0.93', 240, 100],
      ['track_end person #11 best score 0.93', 160, 120],
    ]);
    for (const event of shown) {
      expect(near(event.left, RED), `left of ${event.src}: ${event.left}`).toBe(true);
      expect(near(event.right, BLUE), `right of ${event.src}: ${event.right}`).toBe(true);
    }
    // The browser gets the very bytes (a JPEG) from the server, with the page's own cookie-less same-origin fetch.
    const fetched = await page.evaluate(async (src) => {
      const response = await fetch(src);
      const bytes = new Uint8Array(await response.arrayBuffer());
      return { status: response.status, type: response.headers.get('content-type'), length: bytes.length, head: Array.from(bytes.slice(0, 3)) };
    }, shown[0]!.src);
    expect(fetched).toEqual({ status: 200, type: 'image/jpeg', length: during.length, head: [0xff, 0xd8, 0xff] });
    await page.screenshot({ path: path.join(dir, 'events.png'), fullPage: true });

    // The server ends the event streams; the page reconnects, gets the recent events again and lists each once.
    const stateEvents = async (): Promise<number> => Number(await page.getAttribute('body', 'data-state-events'));
    const countBefore = await stateEvents();
    setup.live.stop();
    await page.waitForSelector('#connection.pending', { timeout: WAIT_MS });
    await page.waitForFunction((n) => Number(document.body.getAttribute('data-state-events')) > n, countBefore, { timeout: WAIT_MS });
    sink.event!(trackEnd(13, new Uint8Array(before)));
    const after = await waitForEvents(page, 3);
    expect(after.map((s) => s.text)).toEqual(['track_end person #13 best score 0.93', 'track_end person #12 best score 0.93', 'track_end person #11 best score 0.93']);
    expect(new Set(after.map((s) => s.id)).size).toBe(3);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
