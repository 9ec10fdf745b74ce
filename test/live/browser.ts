/**
 * Headless Chromium for the live view's page tests: Debian's `chromium` driven by playwright-core (which downloads
 * nothing). The flags keep a closed network quiet: without them Chromium opens background connections (updates,
 * sync, QUIC probes) that the sandboxed machine refuses many at a time. Each browser gets a fresh profile folder.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';
export const hasChromium = existsSync(chromiumPath);

if (!hasChromium) {
  if (process.env['CI'] === 'true') throw new Error(`CI=true but ${chromiumPath} is missing: apt-get install chromium (.ci/run installs it)`);
  console.warn(`skipping the live view's browser tests: ${chromiumPath} is absent (apt-get install --no-install-recommends chromium)`);
}

const flags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  /** A new page whose console errors and uncaught exceptions are collected in `errors`. */
  page(): Promise<{ page: Page; errors: string[] }>;
  close(): Promise<void>;
}

/** Launches Chromium with a fresh profile under `dir` (removed on close). */
export async function launch(dir: string): Promise<Browser> {
  const profile = mkdtempSync(path.join(dir, 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: flags,
    viewport: { width: 1280, height: 1000 },
    timeout: 60_000,
  });
  return {
    context,
    page: async () => {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (message: ConsoleMessage) => {
        if (message.type() === 'error') errors.push(`console: ${message.text()} (${message.location().url})`);
      });
      page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
      return { page, errors };
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A temporary folder for one test file's configs and screenshots. */
export function testDir(name: string): string {
  return mkdtempSync(path.join(tmpdir(), `edgepipe-live-${name}-`));
}
