/**
 * The live view's page in a real Chromium against `edgepipe run` (a real process, NOTIFY_SOCKET and all) with the
 * demo's pipeline, never ending, and with the `gradient` pattern instead of `colours`: `colours` repeats every 4
 * frames, so a stream that happens to send every 4th frame (5 frames/s of a 10 frames/s source on a busy
 * machine) shows one colour forever; the gradient moves on every frame.
 * No console error; the pipeline list; the live image changing; pause stopping the frame counter; snapshot; the
 * zone editor's YAML validating, and a broken edit reported at its line.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeColourModel } from '../helpers/image-models.js';
import { listenerSkipReason } from '../service/notify-listener.js';
import { startService, starts, type RunningService } from '../service/run-service.js';
import { hasChromium, launch, testDir, type Browser } from './browser.js';
import { card, clickOnImage, configNotOffered, difference, editorFile, frameCounter, nextStates, thumbnail, WAIT_MS } from './page-tools.js';

const skip = !hasChromium || listenerSkipReason() !== undefined;
const dir = testDir('demo');
const children: ChildProcess[] = [];
let service: RunningService;
let browser: Browser;
let base: string;
let configFile: string;

beforeAll(async () => {
  if (skip) return;
  const model = writeColourModel(dir);
  configFile = path.join(dir, 'demo.yaml');
  writeFileSync(
    configFile,
    `version: 1
runtime:
  http:
    listen: 127.0.0.1:0
pipelines:
  - name: demo
    source:
      kind: synthetic
      width: 320
      height: 240
      fps: 10
      pattern: gradient
    model:
      file: ${model}
      delegates: [xnnpack, cpu]
    postprocess:
      kind: classify
      top_k: 1
    buffer:
      policy: latest
    stats_interval_s: 0
    sinks:
      - kind: stdout
`,
  );
  service = await startService(configFile, children);
  base = `http://127.0.0.1:${/http: listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(service.stderr())![1]}`;
  browser = await launch(dir);
}, 120_000);

async function waitForThumbnail(page: Page): Promise<number[]> {
  await page.waitForFunction((selector) => (document.querySelector<HTMLImageElement>(`${selector} img.live`)?.naturalWidth ?? 0) > 0, card('demo'), { timeout: WAIT_MS });
  return (await thumbnail(page, 'demo'))!;
}

afterAll(async () => {
  await browser?.close();
  if (service) await service.stop();
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe.skipIf(skip)('live view page with the demo pipeline', () => {
  it('loads with no console error, lists the pipeline as running, and its live image changes from one second to the next', async () => {
    const { page, errors } = await browser.page();
    expect((await page.goto(base))?.status()).toBe(200);
    await page.waitForSelector('tr[data-pipeline="demo"] td[data-state="running"]', { timeout: WAIT_MS });
    expect(await page.locator('#pipeline-table tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-pipeline')))).toEqual(['demo']);
    expect(await page.textContent('tr[data-pipeline="demo"] .delegate-active')).toMatch(/xnnpack|cpu/);

    await page.waitForFunction((selector) => (document.querySelector<HTMLImageElement>(`${selector} img.live`)?.naturalWidth ?? 0) > 0, card('demo'), { timeout: WAIT_MS });
    expect(await page.$eval(`${card('demo')} img.live`, (img) => [(img as HTMLImageElement).naturalWidth, (img as HTMLImageElement).naturalHeight])).toEqual([320, 240]);
    // The gradient moves 4 levels a frame (red and blue; JPEG noise between equal frames is under 1 level): a
    // second later the image is another one.
    const first = (await thumbnail(page, 'demo'))!;
    const started = Date.now();
    let changed = 0;
    while (changed < 3) {
      const now = await thumbnail(page, 'demo');
      if (now) changed = difference(first, now);
      if (changed < 3 && Date.now() - started > WAIT_MS) throw new Error(`the live image stayed the same for ${WAIT_MS} ms (difference ${changed})`);
      if (changed < 3) await page.waitForTimeout(100); // polling interval, not an assertion delay
    }
    console.log(`live image changed after ${Date.now() - started} ms (mean difference ${changed.toFixed(1)} levels)`);
    await nextStates(page, 2); // the charts have a few points
    await page.screenshot({ path: path.join(dir, 'demo-page.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('pause stops the frame counter, resume starts it again, snapshot shows the kept image', async () => {
    const { page, errors } = await browser.page();
    expect((await page.goto(base))?.status()).toBe(200);
    await page.waitForFunction((selector) => Number(document.querySelector(`${selector} .frame-counter`)?.getAttribute('data-frames') ?? 0) > 0, card('demo'), { timeout: WAIT_MS });

    await page.click(`${card('demo')} button[data-command="pause"]`);
    await page.waitForSelector(`${card('demo')} .paused-badge:not([hidden])`, { timeout: WAIT_MS });
    await page.waitForSelector('tr[data-pipeline="demo"] td.paused', { timeout: WAIT_MS });
    await nextStates(page, 1); // a prediction already on its way when the pause landed
    const paused = await frameCounter(page, 'demo');
    await nextStates(page, 3); // 3 s: 30 frames at 10 frames/s if it were running
    expect(await frameCounter(page, 'demo')).toBe(paused);

    await page.click(`${card('demo')} button[data-command="resume"]`);
    await page.waitForFunction(({ selector, paused }) => Number(document.querySelector(`${selector} .frame-counter`)?.getAttribute('data-frames')) > paused, { selector: card('demo'), paused }, { timeout: WAIT_MS });
    await page.waitForSelector(`${card('demo')} .paused-badge[hidden]`, { state: 'attached', timeout: WAIT_MS }); // with the next state

    await page.click(`${card('demo')} button[data-command="snapshot"]`);
    const thumb = page.locator(`${card('demo')} .snapshots img.thumb`).first();
    await thumb.waitFor({ timeout: WAIT_MS });
    expect(await thumb.getAttribute('src')).toMatch(/^\/api\/snapshots\/[A-Za-z0-9_.-]+\.jpg$/);
    await page.waitForFunction((selector) => (document.querySelector<HTMLImageElement>(`${selector} .snapshots img.thumb`)?.naturalWidth ?? 0) > 0, card('demo'), { timeout: WAIT_MS });
    await page.screenshot({ path: path.join(dir, 'demo-paused-resumed.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the editor turns clicks on the live image into a motion mask that validates, and shows a broken edit at its line', async () => {
    const { page, errors } = await browser.page();
    expect((await page.goto(base))?.status()).toBe(200);
    await page.waitForFunction((selector) => (document.querySelector<HTMLImageElement>(`${selector} img.live`)?.naturalWidth ?? 0) > 0, card('demo'), { timeout: WAIT_MS });
    await page.selectOption('#editor-kind', 'motion-mask');
    await page.fill('#editor-name', 'clock');
    await clickOnImage(page, 'demo', [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.1, 0.5]]);
    // The first click has the editor fetch the pipeline's file from the server.
    const how = await editorFile(page, readFileSync(configFile, 'utf8'));
    console.log(`the pipeline file was ${how} into the editor`);
    const snippet = await page.textContent('#editor-yaml');
    expect(snippet).toMatch(/^motion:\n {2}masks:\n {4}- name: clock\n {6}points: \[\[3\d, 2\d\], \[16\d, 2\d\], \[16\d, 12\d\], \[3\d, 12\d\]\]$/);
    await page.click('#editor-insert');
    const edited = await page.inputValue('#editor-file');
    expect(edited).toContain('    motion:\n      masks:\n        - name: clock\n');
    await page.click('#editor-check');
    await page.waitForSelector('#editor-status.ok', { timeout: WAIT_MS });
    expect(await page.textContent('#editor-status')).toMatch(/^No problems/);
    expect(await page.locator('#editor-problems li').count()).toBe(0);

    // A broken edit: a polygon of 2 points. The problem names its line, which the page quotes.
    const lines = edited.split('\n');
    const pointsLine = lines.findIndex((l) => l.includes('- name: clock')) + 2;
    lines[pointsLine - 1] = '          points: [[10, 10], [20, 20]]';
    await page.fill('#editor-file', lines.join('\n'));
    await page.click('#editor-check');
    await page.waitForSelector('#editor-problems li', { timeout: WAIT_MS });
    const problem = page.locator('#editor-problems li').first();
    expect(await problem.getAttribute('data-line')).toBe(String(pointsLine));
    expect(await problem.textContent()).toContain('a polygon needs at least 3 points, received 2 points');
    expect(await problem.locator('pre.problem-line').textContent()).toBe(`${pointsLine} |           points: [[10, 10], [20, 20]]`);
    await page.screenshot({ path: path.join(dir, 'demo-editor-problem.png'), fullPage: true });
    expect(errors.filter((e) => !(how === 'pasted' && configNotOffered('demo').test(e)))).toEqual([]);
    await page.close();
  });
  it('keeps the live image moving across a reload that restarts the pipeline', async () => {
    const { page, errors } = await browser.page();
    expect((await page.goto(base))?.status()).toBe(200);
    await page.waitForFunction((selector) => (document.querySelector<HTMLImageElement>(`${selector} img.live`)?.naturalWidth ?? 0) > 0, card('demo'), { timeout: WAIT_MS });
    writeFileSync(configFile, readFileSync(configFile, 'utf8').replace('      fps: 10\n', '      fps: 8\n'));
    const startsBefore = starts(service.stderr(), 'demo');
    await service.reload();
    expect(starts(service.stderr(), 'demo')).toBe(startsBefore + 1); // the change restarted the pipeline
    await nextStates(page, 2);
    await page.waitForSelector('tr[data-pipeline="demo"] td[data-state="running"]', { timeout: WAIT_MS });
    const first = await waitForThumbnail(page);
    const started = Date.now();
    let changed = 0;
    while (changed < 3) {
      const now = await thumbnail(page, 'demo');
      if (now) changed = difference(first, now);
      if (changed < 3 && Date.now() - started > WAIT_MS) throw new Error(`after the reload the live image stayed the same for ${WAIT_MS} ms`);
      if (changed < 3) await page.waitForTimeout(100); // polling interval
    }
    console.log(`after the reload (last reload: ${await page.textContent('tr[data-pipeline="demo"] td:last-child')}) the image changed within ${Date.now() - started} ms`);
    expect(errors).toEqual([]);
    await page.close();
  });
});
