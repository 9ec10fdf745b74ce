/**
 * The live view with `runtime.http.auth` on loopback (a token file): the page shows its login form, a wrong token
 * is refused with the server's words and leaves the data closed, the right one opens the page.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeColourModel } from '../helpers/image-models.js';
import { listenerSkipReason } from '../service/notify-listener.js';
import { get, startService, type RunningService } from '../service/run-service.js';
import { hasChromium, launch, testDir, type Browser } from './browser.js';
import { card, WAIT_MS } from './page-tools.js';

const skip = !hasChromium || listenerSkipReason() !== undefined;
const dir = testDir('auth');
const token = 'f3a9c1d2e5b6a7980123456789abcdef';
const children: ChildProcess[] = [];
let service: RunningService;
let browser: Browser;
let port: number;

beforeAll(async () => {
  if (skip) return;
  const model = writeColourModel(dir);
  const tokenFile = path.join(dir, 'http-token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const config = path.join(dir, 'auth.yaml');
  writeFileSync(
    config,
    `version: 1
runtime:
  http:
    listen: 127.0.0.1:0
    auth:
      token_file: ${tokenFile}
pipelines:
  - name: demo
    source: { kind: synthetic, width: 160, height: 120, fps: 5, pattern: colours }
    model: { file: ${model} }
    postprocess: { kind: classify, top_k: 1 }
    sinks:
      - kind: stdout
`,
  );
  service = await startService(config, children);
  port = Number(/http: listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(service.stderr())![1]);
  browser = await launch(dir);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (service) await service.stop();
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe.skipIf(skip)('live view page with auth configured', () => {
  it('refuses a wrong token and opens with the right one', async () => {
    const { page, errors } = await browser.page();
    // The data needs the token even on loopback once auth is configured.
    expect(await get(port, '/api/state')).toEqual({ status: 401, body: `${JSON.stringify({ error: 'authentication required' })}\n` });

    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForSelector('#login:not([hidden])', { timeout: WAIT_MS });
    expect(await page.isHidden('#app')).toBe(true);
    await page.fill('#login-token', 'not-the-token');
    // The refused login is an expected 401: Chromium logs every failed fetch as a console error, so it is not counted.
    const refused = page.waitForResponse((r) => r.url().endsWith('/api/login'));
    await page.click('#login-submit');
    expect((await refused).status()).toBe(401);
    await page.waitForFunction(() => document.getElementById('login-error')?.textContent === 'Wrong token.', undefined, { timeout: WAIT_MS });
    expect(await page.isHidden('#app')).toBe(true);
    expect((await page.context().cookies()).filter((c) => c.name === 'edgepipe_session')).toEqual([]);
    await page.screenshot({ path: path.join(dir, 'auth-refused.png'), fullPage: true });

    await page.fill('#login-token', token);
    await page.click('#login-submit');
    await page.waitForSelector('tr[data-pipeline="demo"] td[data-state="running"]', { timeout: WAIT_MS });
    expect(await page.isHidden('#login')).toBe(true);
    const cookie = (await page.context().cookies()).find((c) => c.name === 'edgepipe_session');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Strict');
    await page.waitForFunction((selector) => (document.querySelector<HTMLImageElement>(`${selector} img.live`)?.naturalWidth ?? 0) > 0, card('demo'), { timeout: WAIT_MS });
    await page.screenshot({ path: path.join(dir, 'auth-open.png'), fullPage: true });
    expect(errors.filter((e) => !e.includes('401'))).toEqual([]);
    expect(errors.length).toBeLessThanOrEqual(1); // at most the refused login's own line
    await page.close();
  });
});
