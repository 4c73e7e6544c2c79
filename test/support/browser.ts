// Shared harness for browser tests: a real Ballast (SQLite) and Debian's Chromium via playwright-core.
// It collects page errors, console errors and unexpected HTTP failures, so a test can assert a clean run.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestApp, type TestApp } from './app.js';
import type { Clock } from '../../src/core/clock.js';
import type { Config } from '../../src/config.js';

export const CHROMIUM = '/usr/bin/chromium';
const SHOT_DIR = process.env.BALLAST_SCREENSHOT_DIR ?? '/tmp/ballast-ui';
/** BALLAST_TEST_UI_DIR lets parallel work build the UI into its own folder instead of dist/ui. */
const UI_DIR = process.env.BALLAST_TEST_UI_DIR ? path.resolve(process.env.BALLAST_TEST_UI_DIR) : undefined;
const hasUi = fs.existsSync(path.join(UI_DIR ?? path.resolve(import.meta.dirname, '../../dist/ui'), 'index.html'));

/** `describe(..., { skip: browserSkip })`: the reason browser tests cannot run here, or false. */
export const browserSkip: string | false = !fs.existsSync(CHROMIUM)
  ? `${CHROMIUM} is not installed`
  : !hasUi
    ? 'dist/ui is not built (npm run build:ui)'
    : false;

export interface BrowserSession {
  t: TestApp;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Page errors, console errors and unexpected 4xx/5xx responses seen so far. */
  problems: string[];
  /** Full-page screenshot to $BALLAST_SCREENSHOT_DIR/<prefix>-<name>.png. */
  shot(name: string): Promise<void>;
  /** Signs in through the login form (admin by default) and waits for the landing page. */
  signIn(email?: string, password?: string): Promise<void>;
  close(): Promise<void>;
}

export async function openBrowserSession(opts: {
  prefix: string;
  /** Responses like `GET /api/v1/auth/me 401` that the test expects and should not count as problems. */
  expectedFailures?: string[];
  clock?: Clock;
  config?: Partial<Config>;
}): Promise<BrowserSession> {
  const t = await startTestApp('sqlite', { clock: opts.clock, config: opts.config, uiDir: UI_DIR });
  const problems: string[] = [];
  const expected = new Set(['GET /api/v1/auth/me 401', ...(opts.expectedFailures ?? [])]);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: t.url, timezoneId: 'UTC', locale: 'en-GB' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(`console: ${msg.text()}`);
  });
  page.on('response', (res) => {
    const call = `${res.request().method()} ${new URL(res.url()).pathname} ${res.status()}`;
    if (res.status() >= 400 && !expected.has(call)) problems.push(`response: ${call}`);
  });
  return {
    t,
    browser,
    context,
    page,
    problems,
    async shot(name) {
      fs.mkdirSync(SHOT_DIR, { recursive: true });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: path.join(SHOT_DIR, `${opts.prefix}-${name}.png`), fullPage: true });
    },
    async signIn(email = ADMIN_EMAIL, password = ADMIN_PASSWORD) {
      await page.goto('/login');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    },
    async close() {
      await browser.close();
      await t.close();
    },
  };
}

/** Seeds data through the API as the admin; every call must succeed. */
export async function seed(t: TestApp, calls: ReadonlyArray<readonly [string, string, unknown]>): Promise<any[]> {
  const out: any[] = [];
  for (const [method, url, body] of calls) {
    const r = await t.request(method, url, { body });
    assert.ok(r.status >= 200 && r.status < 300, `${method} ${url}: ${r.status} ${r.text}`);
    out.push(r.body);
  }
  return out;
}
