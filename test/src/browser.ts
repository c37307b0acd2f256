// Headless Chromium for the dashboard tests and benchmark: playwright-core driving Debian's /usr/bin/chromium
// (no browser download) with a fresh profile in a temp dir, plus screenshots saved under test/artifacts.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.ARGUS_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots of test runs (git-ignored). */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../artifacts', import.meta.url));

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export class BrowserError extends Error {
  constructor(
    readonly code: 'CHROMIUM_MISSING',
    message: string,
  ) {
    super(message);
    this.name = 'BrowserError';
  }
}

export function assertChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new BrowserError('CHROMIUM_MISSING', `${CHROMIUM_PATH} is missing: run npm run setup, which installs chromium (or set ARGUS_CHROMIUM to a Chromium binary)`);
  }
}

export interface Browser {
  readonly context: BrowserContext;
  /** Closes Chromium and removes its profile dir; safe to call twice. */
  close(): Promise<void>;
}

export async function launchBrowser(options: { viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  assertChromium();
  const profile = await mkdtemp(join(tmpdir(), 'argus-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: options.viewport ?? { width: 1440, height: 900 },
    });
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
  let closed = false;
  return {
    context,
    async close() {
      if (closed) return;
      closed = true;
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page PNG as test/artifacts/<name>.png; never throws (a failing test keeps its own error). */
export async function saveScreenshot(page: Page, name: string): Promise<string | undefined> {
  const path = join(ARTIFACTS_DIR, `${name.replace(/[^A-Za-z0-9_.-]+/g, '-')}.png`);
  try {
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    await page.screenshot({ path, fullPage: true, timeout: 10_000 });
    return path;
  } catch {
    return undefined;
  }
}
