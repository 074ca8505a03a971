/**
 * Users and Sync pages in a real browser: create, search, edit, soft delete and erase a user and watch
 * neon_auth.users_sync follow; a display name full of HTML stays text; a resync repairs a hand-deleted row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { launchBrowser, screenshot, signIn, startDashboardServer, type Browser } from './support.js';

const XSS = '<img src=x onerror=alert(1)>';

describe('dashboard users and sync', () => {
  let t: TestServer;
  let browser: Browser;
  const dialogs: string[] = [];
  let aliceId = '';

  const usersSync = async (id: string) =>
    (
      await t.server.ctx.db.query<{ name: string | null; deleted_at: Date | null }>(
        'SELECT name, deleted_at FROM neon_auth.users_sync WHERE id = $1',
        [id],
      )
    ).rows[0];
  const usersUrl = () => `${t.url}/dashboard/projects/${t.projectId}/users`;

  beforeAll(async () => {
    t = await startDashboardServer();
    browser = await launchBrowser();
    browser.page.on('dialog', (dialog) => dialogs.push(dialog.message()));
    await signIn(browser.page, t);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('creates a user, who is in users_sync at once', async () => {
    const { page } = browser;
    await page.goto(usersUrl());
    await page.getByLabel('E-mail', { exact: true }).fill('alice@example.com');
    await page.getByLabel('Display name').fill('Alice Liddell');
    await page.getByLabel('Password (optional)').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create user' }).click();
    await expect(page.locator('#live').textContent()).resolves.toBe('Created the user.');
    aliceId = await page.getByRole('textbox', { name: 'User ID' }).inputValue();
    expect((await usersSync(aliceId))?.name).toBe('Alice Liddell');
    const raw = JSON.parse((await page.locator('#raw-json').textContent()) ?? '{}') as Record<string, unknown>;
    expect(raw).toMatchObject({ id: aliceId, primary_email: 'alice@example.com', display_name: 'Alice Liddell', has_password: true });
    await screenshot(page, 'user');
  });

  it('refuses a bad e-mail with a message, not an error page', async () => {
    const { page } = browser;
    await page.goto(usersUrl());
    await page.getByLabel('E-mail', { exact: true }).fill('alice@example.com');
    await page.getByRole('button', { name: 'Create user' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('alice@example.com');
    await page.getByLabel('E-mail', { exact: true }).fill('not an address');
    await page.getByLabel('E-mail', { exact: true }).evaluate((input: HTMLInputElement) => (input.type = 'text'));
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Create user' }).click(),
    ]);
    expect(response.status()).toBe(400);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('must be a valid email');
  });

  it('finds users by search, with server-side pages', async () => {
    for (let i = 0; i < 24; i++)
      await t.server.ctx.users.create(t.projectId, { primary_email: `filler${i}@example.com`, display_name: `Filler ${i}` });
    const { page } = browser;
    await page.goto(usersUrl());
    await expect(page.locator('tbody tr').count()).resolves.toBe(20);
    await page.getByRole('link', { name: 'Next page' }).click();
    await expect(page.locator('tbody tr').count()).resolves.toBe(5);
    await page.getByLabel('Search by e-mail, name or ID').fill('liddell');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.locator('tbody tr').count()).resolves.toBe(1);
    await expect(page.locator('tbody tr td').first().textContent()).resolves.toBe('alice@example.com');
    await screenshot(page, 'users-search');
    // Readable on a phone: the page itself never scrolls sideways (tables become stacked cards).
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByLabel('Search by e-mail, name or ID').fill('');
    await page.getByRole('button', { name: 'Search' }).click();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'users-phone');
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.getByLabel('Search by e-mail, name or ID').fill('liddell');
    await page.getByRole('button', { name: 'Search' }).click();
  });

  it('edits a user, and users_sync follows', async () => {
    const { page } = browser;
    await page.getByRole('link', { name: 'alice@example.com' }).click();
    await page.getByLabel('Display name').fill('Alice Cooper');
    await page.getByLabel('E-mail verified').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.locator('#live').textContent()).resolves.toBe('Saved the user.');
    expect((await usersSync(aliceId))?.name).toBe('Alice Cooper');
    expect(JSON.parse((await page.locator('#raw-json').textContent()) ?? '{}')).toMatchObject({
      display_name: 'Alice Cooper',
      primary_email_verified: true,
    });
  });

  it('shows a display name full of HTML as text everywhere', async () => {
    const { page } = browser;
    await page.goto(usersUrl());
    await page.getByLabel('E-mail', { exact: true }).fill('mallory@example.com');
    await page.getByLabel('Display name').fill(XSS);
    await page.getByRole('button', { name: 'Create user' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(XSS);
    await expect(page.getByLabel('Display name').inputValue()).resolves.toBe(XSS);
    await expect(page.title()).resolves.toBe(`${XSS} · Users · authsync`);
    await page.goto(`${usersUrl()}?q=mallory`);
    await expect(page.locator('tbody td[data-label="Name"]').textContent()).resolves.toBe(XSS);
    await page.goto(`${usersUrl()}?q=${encodeURIComponent(XSS)}`);
    await expect(page.getByLabel('Search by e-mail, name or ID').inputValue()).resolves.toBe(XSS);
    await expect(page.locator('tbody td[data-label="Name"]').textContent()).resolves.toBe(XSS);
    await expect(page.locator('img').count()).resolves.toBe(0);
    await screenshot(page, 'users-xss');
    expect(dialogs.filter((m) => m === '1')).toEqual([]);
  });

  it('soft-deletes a user: users_sync keeps the row with deleted_at', async () => {
    const { page } = browser;
    await page.goto(`${usersUrl()}/${aliceId}`);
    await page.getByRole('button', { name: 'Delete user' }).click();
    await expect(page.locator('#live').textContent()).resolves.toContain('Deleted the user');
    expect(dialogs.at(-1)).toContain('Delete this user?');
    const row = await usersSync(aliceId);
    expect(row?.deleted_at).toBeInstanceOf(Date);
    expect(await t.server.ctx.users.get(t.projectId, aliceId)).toBeUndefined();
    await page.getByLabel('Show').selectOption('deleted');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.locator('tbody td[data-label="In users_sync"]').allTextContents()).resolves.toEqual([
      'soft-deleted (deleted_at set)',
    ]);
    await page.getByRole('link', { name: 'alice@example.com' }).click();
    await expect(page.getByTestId('deleted-at').textContent()).resolves.not.toBe('—');
  });

  it('erases a user: the users_sync row is gone', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Erase user' }).click();
    await expect(page.locator('#live').textContent()).resolves.toContain('Erased the user');
    expect(await usersSync(aliceId)).toBeUndefined();
    const response = await page.goto(`${usersUrl()}/${aliceId}`);
    expect(response?.status()).toBe(404);
  });

  it('resyncs with visible progress and repairs a hand-deleted row', async () => {
    const victim = (await t.server.ctx.users.list(t.projectId, { query: 'filler3@' })).items[0]!;
    await t.server.ctx.db.query('DELETE FROM neon_auth.users_sync WHERE id = $1', [victim.id]);
    const { page } = browser;
    await page.goto(`${t.url}/dashboard/projects/${t.projectId}/sync`);
    await expect(page.locator('tr[data-target="server"] [data-field="status"]').textContent()).resolves.toBe('in sync');
    await page.getByRole('button', { name: 'Resync now' }).click();
    await page.locator('[data-job-url][data-state="done"]').waitFor();
    await expect(page.locator('[data-field="progress"]').textContent()).resolves.toMatch(
      /^Resync finished: compared \d+ users in 1 database, repaired 1\.$/,
    );
    const bar = page.locator('progress');
    expect(await bar.getAttribute('value')).toBe(await bar.getAttribute('max'));
    expect(await usersSync(victim.id)).toBeDefined();
    // The live chart has drawn at least one point from status.json.
    await page.waitForFunction(() => (document.querySelector('svg.lag polyline')?.getAttribute('points') ?? '') !== '');
    await screenshot(page, 'sync');
  });
});
