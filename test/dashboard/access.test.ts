/** Dashboard access in a real browser: sign-in with the instance secret or a project key, scope, sign-out. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { INTERNAL_PROJECT_ID } from '../../src/projects/internal-id.js';
import { launchBrowser, screenshot, signIn, startDashboardServer, type Browser } from './support.js';

describe('dashboard access', () => {
  let t: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    t = await startDashboardServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('refuses a wrong secret with a clear message, without signing in', async () => {
    const { page } = browser;
    await page.goto(`${t.url}/dashboard/`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in');
    await page.getByLabel('Admin secret or project admin key').fill('not-the-secret');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/dashboard/sign-in') && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    expect(response.status()).toBe(401);
    await expect(page.getByRole('alert').textContent()).resolves.toContain(
      'neither the instance admin secret nor a project’s super secret admin key',
    );
    await screenshot(page, 'sign-in-refused');
    const cookies = await browser.context.cookies();
    expect(cookies.find((c) => c.name === 'authsync_dashboard')).toBeUndefined();
  });

  it('signs in with the instance admin secret, creates and renames a project', async () => {
    const { page } = browser;
    await signIn(page, t);
    expect(new URL(page.url()).pathname).toBe('/dashboard/projects');
    const cookie = (await browser.context.cookies()).find((c) => c.name === 'authsync_dashboard');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/dashboard' });
    await expect(page.getByRole('link', { name: 'Test project' }).count()).resolves.toBe(1);

    await page.getByLabel('Name', { exact: true }).fill('Shop');
    await page.getByRole('button', { name: 'Create project' }).click();
    await expect(page.getByRole('heading', { name: 'Store these keys now' }).count()).resolves.toBe(1);
    const projectId = await page.getByRole('textbox', { name: 'Project ID' }).inputValue();
    expect(await page.getByRole('textbox', { name: 'Super secret admin key' }).inputValue()).toMatch(/^sak_/);
    await screenshot(page, 'project-created');

    await page.getByRole('link', { name: 'Go to the project’s configuration' }).click();
    await page.getByLabel('Project name').fill('Shop (production)');
    await page.getByRole('button', { name: 'Rename' }).click();
    await expect(page.locator('#live').textContent()).resolves.toBe('Renamed the project.');
    await expect(page.locator('#env-block').textContent()).resolves.toContain(`NEXT_PUBLIC_STACK_PROJECT_ID=${projectId}`);
    await screenshot(page, 'configuration');
    await page.getByRole('link', { name: 'Projects' }).click();
    await expect(page.getByRole('link', { name: 'Shop (production)' }).getAttribute('href')).resolves.toBe(
      `/dashboard/projects/${projectId}/configuration`,
    );
    await screenshot(page, 'projects');
  });

  it('a project admin key opens that project only', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.locator('#live').textContent()).resolves.toBe('You are signed out.');
    await page.goto(`${t.url}/dashboard/projects`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in');

    await signIn(page, t, t.keys.superSecretAdminKey);
    expect(new URL(page.url()).pathname).toBe(`/dashboard/projects/${t.projectId}/configuration`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Test project');
    // The projects list is not for a project key, and other projects are not found.
    await page.goto(`${t.url}/dashboard/projects`);
    expect(new URL(page.url()).pathname).toBe(`/dashboard/projects/${t.projectId}/configuration`);
    const others = (
      await t.server.ctx.db.query<{ id: string }>('SELECT id FROM authsync.projects WHERE id <> $1 AND id <> $2', [
        t.projectId,
        INTERNAL_PROJECT_ID,
      ])
    ).rows;
    expect(others.length).toBe(1);
    const response = await page.goto(`${t.url}/dashboard/projects/${others[0]!.id}/users`);
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Project not found');
    await page.getByRole('button', { name: 'Sign out' }).click();
  });
});
