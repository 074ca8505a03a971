/**
 * The browser for dashboard tests: Debian's Chromium driven by playwright-core (Playwright's own browser
 * download is not used), headless, with a fresh profile per test file. Screenshots go to test-results/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ADMIN_SECRET = 'dashboard-test-admin-secret-0123456789';
const SCREENSHOTS = path.resolve('test-results/dashboard');

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  // Confirmation dialogs (delete, erase, rotate) are accepted, as a user who meant it would.
  page.on('dialog', (dialog) => void dialog.accept());
  return {
    context,
    page,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A test server whose instance admin secret is known. */
export function startDashboardServer(): Promise<TestServer> {
  return startTestServer({ env: { AUTHSYNC_ADMIN_SECRET: ADMIN_SECRET } });
}

export async function signIn(page: Page, server: TestServer, secret = ADMIN_SECRET): Promise<void> {
  await page.goto(`${server.url}/dashboard/sign-in`);
  await page.getByLabel('Admin secret or project admin key').fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('domcontentloaded');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
