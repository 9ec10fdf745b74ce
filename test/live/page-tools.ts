/** What the browser tests read from the live view's page: pixels of the live image, counters, waits. */
import type { Page } from 'playwright-core';

/** Generous: a loaded 2-core machine runs up to 8 test workers beside the service and the browser. */
export const WAIT_MS = 45_000;

/** Selector of the card of pipeline `name`. */
export const card = (name: string): string => `article.card[data-pipeline="${name}"]`;

/**
 * A small thumbnail (32x24, r, g, b per pixel) of the live image of pipeline `name` as it is now, or null while
 * the image has no frame. The <img> shows the MJPEG stream's latest part; drawing it on a canvas reads that part.
 */
export function thumbnail(page: Page, name: string): Promise<number[] | null> {
  return page.evaluate((selector) => {
    const img = document.querySelector<HTMLImageElement>(`${selector} img.live`);
    if (!img || img.naturalWidth === 0) return null;
    const canvas = document.createElement('canvas');
    canvas.width = 32;
    canvas.height = 24;
    const g = canvas.getContext('2d')!;
    g.drawImage(img, 0, 0, 32, 24);
    const data = g.getImageData(0, 0, 32, 24).data;
    const out: number[] = [];
    for (let i = 0; i < data.length; i += 4) out.push(data[i]!, data[i + 1]!, data[i + 2]!);
    return out;
  }, card(name));
}

/** Mean absolute difference of two thumbnails, 0..255. */
export function difference(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The share (0..1) of the columns along the top and bottom edges of `box` (frame pixels) where some pixel within
 * `band` pixels of the edge has `colour` (each channel within `tolerance`: JPEG moves colours), in the live image
 * of pipeline `name` at its natural size.
 */
export function edgeColourShare(page: Page, name: string, box: Box, colour: readonly number[], band = 4, tolerance = 70): Promise<number | null> {
  return page.evaluate(
    ({ selector, box, colour, band, tolerance }) => {
      const img = document.querySelector<HTMLImageElement>(`${selector} img.live`);
      if (!img || img.naturalWidth === 0) return null;
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const g = canvas.getContext('2d')!;
      g.drawImage(img, 0, 0);
      const { data, width, height } = g.getImageData(0, 0, canvas.width, canvas.height);
      const near = (x: number, y: number): boolean => {
        if (x < 0 || y < 0 || x >= width || y >= height) return false;
        const i = 4 * (y * width + x);
        return Math.abs(data[i]! - colour[0]!) <= tolerance && Math.abs(data[i + 1]! - colour[1]!) <= tolerance && Math.abs(data[i + 2]! - colour[2]!) <= tolerance;
      };
      let hits = 0;
      let columns = 0;
      for (const edge of [box.y, box.y + box.height]) {
        for (let x = Math.ceil(box.x + 2); x < box.x + box.width - 2; x++) {
          columns++;
          for (let dy = -band; dy <= band; dy++) {
            if (near(x, Math.round(edge) + dy)) {
              hits++;
              break;
            }
          }
        }
      }
      return columns === 0 ? null : hits / columns;
    },
    { selector: card(name), box, colour, band, tolerance },
  );
}

/** The frame counter of pipeline `name` (the frame id of its latest prediction), -1 before the first. */
export async function frameCounter(page: Page, name: string): Promise<number> {
  const text = await page.getAttribute(`${card(name)} .frame-counter`, 'data-frames');
  return text === null ? -1 : Number(text);
}

/** How many `state` events the page has applied. */
export async function stateEvents(page: Page): Promise<number> {
  return Number((await page.getAttribute('body', 'data-state-events')) ?? 0);
}

/** Resolves after the page has applied `n` more `state` events (one a second from the server). */
export async function nextStates(page: Page, n: number): Promise<void> {
  const from = await stateEvents(page);
  await page.waitForFunction((target) => Number(document.body.dataset['stateEvents'] ?? 0) >= target, from + n, { timeout: WAIT_MS });
}

/** Clicks points given as fractions of the live image of pipeline `name`. */
export async function clickOnImage(page: Page, name: string, points: ReadonlyArray<readonly [number, number]>): Promise<void> {
  const overlay = page.locator(`${card(name)} canvas.overlay`);
  const box = await overlay.boundingBox();
  if (!box) throw new Error(`the live image of ${name} is not on screen`);
  for (const [fx, fy] of points) await page.mouse.click(box.x + fx * box.width, box.y + fy * box.height);
}

/** The console line of the editor's file request when the server does not offer the route (an expected 404). */
export const configNotOffered = (name: string): RegExp => new RegExp(`404 \\(Not Found\\) \\(http://[^)]+/api/pipelines/${name}/config\\)$`);

/**
 * Waits for the editor's text area to hold the pipeline's file: loaded from the server (GET
 * /api/pipelines/NAME/config, compared with `text`), or, on a server that does not offer it, pasted as a user
 * would after the page says so. Returns how it got there.
 */
export async function editorFile(page: Page, text: string): Promise<'loaded' | 'pasted'> {
  await page.waitForFunction(
    () => (document.querySelector<HTMLTextAreaElement>('#editor-file')?.value ?? '') !== '' || /does not hand out the file/.test(document.getElementById('editor-status')?.textContent ?? ''),
    undefined,
    { timeout: WAIT_MS },
  );
  const value = await page.inputValue('#editor-file');
  if (value !== '') {
    if (value !== text) throw new Error(`the editor loaded another text than the pipeline's file:\n${value}`);
    return 'loaded';
  }
  await page.fill('#editor-file', text);
  return 'pasted';
}
