/**
 * Pages in a real browser: Debian's chromium (/usr/bin/chromium, or CHROMIUM_PATH) driven by
 * playwright-core, which never downloads a browser. Each session gets a fresh profile folder, collects the
 * page's console errors and uncaught exceptions, and writes screenshots to build/test-artifacts/.
 *
 * Without chromium the test is skipped with a note, except under CI=true, where it fails.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { PROJECT_ROOT } from './shared';

/** Debian's chromium, Ubuntu's chromium-browser, or CHROMIUM_PATH. */
export const CHROMIUM_PATH =
  process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((candidate) => existsSync(candidate)) ?? '/usr/bin/chromium';
export const ARTIFACTS_DIR = path.join(PROJECT_ROOT, 'build', 'test-artifacts');

/** Headless, and nothing that reaches the network on its own (updates, sync, QUIC probes). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Viewport {
  width: number;
  height: number;
}

export const DESKTOP: Viewport = { width: 1280, height: 800 };
export const PHONE: Viewport = { width: 390, height: 844 };

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions seen so far, as text. */
  errors: string[];
  /** Writes a PNG of the page to build/test-artifacts/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * True when chromium is there. Otherwise: under CI=true the test fails; elsewhere it passes with a note
 * (the caller returns early).
 */
export function requireChromium(t: ExecutionContext): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === 'true') {
    t.fail(`chromium missing under CI: ${CHROMIUM_PATH} (infrastructure/tools/install-test-tools.sh installs it)`);
    return false;
  }
  t.log(`skipped: no chromium at ${CHROMIUM_PATH} (infrastructure/tools/install-test-tools.sh installs it; CHROMIUM_PATH points elsewhere)`);
  t.pass();
  return false;
}

export async function openBrowser(viewport: Viewport = DESKTOP): Promise<BrowserSession> {
  const profile = await mkdtemp(path.join(tmpdir(), 'chromium-profile-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport,
    });
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
  const errors: string[] = [];
  const watch = (page: Page): void => {
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    errors,
    async screenshot(name) {
      await mkdir(ARTIFACTS_DIR, { recursive: true });
      const file = path.join(ARTIFACTS_DIR, `${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Requests the page made to anything but the loopback service (pages work offline: this should stay empty). */
export function watchExternalRequests(page: Page): string[] {
  const external: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) && url.protocol !== 'data:' && url.protocol !== 'blob:') external.push(request.url());
  });
  return external;
}
