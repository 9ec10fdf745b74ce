/**
 * The live view's page against `edgepipe run` with a shared video (video/people-walk.mp4: people walk in, stand
 * and walk out) through the COCO SSD detector with tracking: the live image shows the predicted boxes in their
 * class's colour (checked on the pixels along a box the detector reported, read from the file sink), and a zone
 * clicked on the live image validates; once the first visitor has walked out, the recent events list the
 * person's track_end with its best picture, the tracker's own JPEG (at most 320 px wide and 48 KiB, with the
 * person's box drawn in its class's colour). With EDGEPIPE_WRITE_SCREENSHOT=1 it also writes docs/live-view.png (the
 * README's picture); normal runs leave the tree alone.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classColour } from '../../src/snapshot/svg.js';
import { hasSharedModels, projectRoot, sharedModel } from '../helpers/shared-models.js';
import { listenerSkipReason } from '../service/notify-listener.js';
import { startService, type RunningService } from '../service/run-service.js';
import { runFfmpegTests } from '../sources/camera-helpers.js';
import { hasChromium, launch, testDir, type Browser } from './browser.js';
import { card, clickOnImage, configNotOffered, edgeColourShare, editorFile, nextStates, WAIT_MS, type Box } from './page-tools.js';

const video = sharedModel('video/people-walk.mp4');
const hasVideo = hasSharedModels && existsSync(video);
if (hasSharedModels && !hasVideo) console.warn(`skipping the live view's video test: ${video} is absent`);
const skip = !hasChromium || !hasVideo || !runFfmpegTests || listenerSkipReason() !== undefined;
const dir = testDir('video');
const children: ChildProcess[] = [];
const predictionsFile = path.join(dir, 'predictions.jsonl');
let service: RunningService;
let browser: Browser;
let base: string;
const config = path.join(dir, 'hall.yaml');

interface DetectedObject {
  index: number;
  label?: string;
  score: number;
  box: Box;
}

/** The newest prediction of the file sink with a person of score >= 0.5 in it, if any. */
function latestPerson(): DetectedObject | undefined {
  if (!existsSync(predictionsFile)) return undefined;
  const lines = readFileSync(predictionsFile, 'utf8').trimEnd().split('\n').slice(-20).reverse();
  for (const line of lines) {
    try {
      const objects = (JSON.parse(line) as { result?: { objects?: DetectedObject[] } }).result?.objects ?? [];
      const person = objects.find((o) => o.label === 'person' && o.score >= 0.5 && o.box.width > 20 && o.box.height > 40);
      if (person) return person;
    } catch {
      // a line being written
    }
  }
  return undefined;
}

beforeAll(async () => {
  if (skip) return;
  writeFileSync(
    config,
    `version: 1
runtime:
  http:
    listen: 127.0.0.1:0
pipelines:
  - name: hall
    source:
      kind: camera
      input: ${video}
      realtime: true
      loop: true
      fps: 5
    model:
      file: ${sharedModel('coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite')}
    preprocess:
      resize: fill
    postprocess:
      kind: detect-ssd
      threshold: 0.4
      max_detections: 10
    buffer:
      policy: latest
    track:
      classes: [person]
    stats_interval_s: 0
    sinks:
      - kind: file
        path: ${predictionsFile}
`,
  );
  service = await startService(config, children);
  base = `http://127.0.0.1:${/http: listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(service.stderr())![1]}`;
  browser = await launch(dir);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (service) await service.stop();
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe.skipIf(skip)('live view page with people-walk.mp4 through the COCO detector', () => {
  it('shows the detected person boxes drawn in the live image, and a zone from the editor validates', async () => {
    const { page, errors } = await browser.page();
    await page.setViewportSize({ width: 1280, height: 900 });
    expect((await page.goto(base))?.status()).toBe(200);
    await page.waitForSelector('tr[data-pipeline="hall"] td[data-state="running"]', { timeout: WAIT_MS });
    await page.waitForFunction((selector) => (document.querySelector<HTMLImageElement>(`${selector} img.live`)?.naturalWidth ?? 0) > 0, card('hall'), { timeout: WAIT_MS });
    expect(await page.$eval(`${card('hall')} img.live`, (img) => (img as HTMLImageElement).naturalWidth)).toBe(768);

    // The stream shows the latest frame with its prediction: compare with the latest prediction the file sink
    // wrote. A walking person moves a few pixels between the two, so most, not all, of the edge must match.
    const deadline = Date.now() + 120_000; // people walk in within the video's first half minute; it loops
    let best = 0;
    let checked: DetectedObject | undefined;
    while (best < 0.6) {
      const person = latestPerson();
      if (person) {
        const share = (await edgeColourShare(page, 'hall', person.box, classColour(person.index))) ?? 0;
        if (share > best) [best, checked] = [share, person];
      }
      if (best < 0.6 && Date.now() > deadline) throw new Error(`no person box drawn in the live image within 120 s (best edge match ${best.toFixed(2)} of ${JSON.stringify(checked)})`);
      if (best < 0.6) await page.waitForTimeout(200); // polling interval
    }
    console.log(`person box ${JSON.stringify(checked!.box)}: ${(best * 100).toFixed(0)}% of its top and bottom edge in ${JSON.stringify(classColour(checked!.index))}`);
    // The same box half a frame to the side (the people walk in one at a time): there the colour is rare, so the
    // match is the drawing, not the scene.
    const box = checked!.box;
    const aside = { ...box, x: box.x + box.width / 2 < 384 ? Math.min(768 - box.width, box.x + 384) : Math.max(0, box.x - 384) };
    if (Math.abs(aside.x - box.x) >= box.width) {
      expect((await edgeColourShare(page, 'hall', aside, classColour(checked!.index))) ?? 0).toBeLessThan(0.3);
    }
    await page.waitForFunction((selector) => /person/.test(document.querySelector(`${selector} .summary`)?.textContent ?? ''), card('hall'), { timeout: WAIT_MS });
    await nextStates(page, 3);
    await page.screenshot({ path: path.join(dir, 'video-page.png'), fullPage: true });
    if (process.env['EDGEPIPE_WRITE_SCREENSHOT'] === '1') {
      // docs/ ships in the package: 960 pixels wide in a 96-colour palette, about 110 KB instead of 370.
      const shot = await page.screenshot({ clip: { x: 0, y: 0, width: 1280, height: 900 } });
      await sharp(shot).resize(960).png({ palette: true, colours: 96, dither: 0.5, compressionLevel: 9, effort: 10 }).toFile(path.join(projectRoot, 'docs', 'live-view.png'));
    }

    // A zone on the floor, clicked on the live image, inserted into the pipeline's file and checked.
    await page.selectOption('#editor-kind', 'zone');
    await page.fill('#editor-name', 'floor');
    await page.selectOption('#editor-units', 'fraction');
    await clickOnImage(page, 'hall', [[0.2, 0.6], [0.8, 0.6], [0.9, 0.95], [0.1, 0.95]]);
    const how = await editorFile(page, readFileSync(config, 'utf8'));
    expect(await page.textContent('#editor-yaml')).toMatch(/^zones:\n {2}- name: floor\n {4}units: fraction\n {4}points: \[\[0\.[12]\d*, 0\.[56]\d*\], /);
    await page.click('#editor-insert');
    await page.click('#editor-check');
    await page.waitForSelector('#editor-status.ok', { timeout: WAIT_MS });
    expect(await page.textContent('#editor-status')).toMatch(/^No problems/);
    await page.screenshot({ path: path.join(dir, 'video-editor.png'), fullPage: true });
    expect(errors.filter((e) => !(how === 'pasted' && configNotOffered('hall').test(e)))).toEqual([]);
    await page.close();
  }, 240_000);

  it("lists a person's track_end with the tracker's best picture once a visitor has left", async () => {
    const { page, errors } = await browser.page();
    expect((await page.goto(base))?.status()).toBe(200);
    // The first visitor leaves about 20 s into the video (it loops): the event is replayed if it came already.
    const item = 'li.event-track_end img.thumb';
    await page.waitForSelector(item, { state: 'attached', timeout: 150_000 });
    await page.locator(item).first().scrollIntoViewIfNeeded();
    await page.waitForFunction((selector) => {
      const img = document.querySelector<HTMLImageElement>(selector);
      return img !== null && img.complete && img.naturalWidth > 0;
    }, item, { timeout: WAIT_MS });
    const index = latestPerson()?.index ?? 0;
    const colour = classColour(index);
    const shown = await page.$eval(item, (node, colour) => {
      const img = node as HTMLImageElement;
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const g = canvas.getContext('2d')!;
      g.drawImage(img, 0, 0);
      const data = g.getImageData(0, 0, canvas.width, canvas.height).data;
      let drawn = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (Math.abs(data[i]! - colour[0]!) <= 60 && Math.abs(data[i + 1]! - colour[1]!) <= 60 && Math.abs(data[i + 2]! - colour[2]!) <= 60) drawn += 1;
      }
      return { src: img.getAttribute('src') ?? '', width: img.naturalWidth, height: img.naturalHeight, drawn, what: img.closest('li')?.querySelector('.event-what')?.textContent ?? '' };
    }, [...colour]);
    console.log(`track_end picture: ${JSON.stringify(shown)}`);
    expect(shown.what).toMatch(/^track_end person #\d+ best score 0\.\d\d$/);
    // The tracker's picture: 320 px wide (the 768x432 video scaled down), the person's box drawn on it.
    expect(shown.width).toBeLessThanOrEqual(320);
    expect(shown.width / shown.height).toBeCloseTo(768 / 432, 1);
    expect(shown.drawn).toBeGreaterThan(100);
    const fetched = await page.evaluate(async (src) => {
      const response = await fetch(src);
      const bytes = new Uint8Array(await response.arrayBuffer());
      return { status: response.status, type: response.headers.get('content-type'), length: bytes.length, head: Array.from(bytes.slice(0, 3)) };
    }, shown.src);
    expect(fetched).toMatchObject({ status: 200, type: 'image/jpeg', head: [0xff, 0xd8, 0xff] });
    expect(fetched.length).toBeLessThanOrEqual(48 * 1024);
    await page.screenshot({ path: path.join(dir, 'video-events.png'), fullPage: true });

    // The file sink stores the same picture beside its file and names it in its track_end line.
    const line = await (async () => {
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        const found = readFileSync(predictionsFile, 'utf8')
          .split('\n')
          .filter((l) => l.includes('"type":"track_end"'))
          .map((l) => JSON.parse(l) as { track_id: number; snapshot?: { ref?: string } })
          .find((l) => l.snapshot?.ref !== undefined);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no track_end line naming a picture in ${predictionsFile} within ${WAIT_MS} ms`);
        await page.waitForTimeout(200); // polling interval
      }
    })();
    expect(line.snapshot!.ref).toMatch(new RegExp(`^snapshots/hall-track-${line.track_id}-\\d{8}T\\d{9}Z\\.jpg$`));
    const stored = await sharp(path.join(dir, line.snapshot!.ref!)).metadata();
    expect([stored.format, stored.width, stored.height]).toEqual(['jpeg', 320, 180]);
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);
});
