/**
 * An operator in a real browser: signs in with the e-mail and password of an internal-project account, sees their
 * team's project and not another's, creates a project for their team, opens it, signs out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createOwnedProject, setInternalSignUp, signUpOperator, type Operator } from '../internal/support.js';
import { OPERATOR_SERVER_ENV } from './operator-support.js';
import { launchBrowser, screenshot, type Browser } from './support.js';

describe('an operator in the dashboard', () => {
  let t: TestServer;
  let browser: Browser;
  let operator: Operator;
  let ownProject: string;
  let foreignProject: string;

  beforeAll(async () => {
    t = await startTestServer({ env: OPERATOR_SERVER_ENV });
    browser = await launchBrowser();
    await setInternalSignUp(t, true);
    operator = await signUpOperator(t);
    const other = await signUpOperator(t);
    ownProject = await createOwnedProject(t, operator, { display_name: 'Team shop' });
    foreignProject = await createOwnedProject(t, other, { display_name: 'Someone else’s shop' });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('a wrong password is refused with one message, without signing in', async () => {
    const { page } = browser;
    await page.goto(`${t.url}/dashboard/`);
    await page.getByLabel('E-mail').fill(operator.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Wrong e-mail or password.');
    await expect(page.getByLabel('E-mail').inputValue()).resolves.toBe(operator.email);
    await screenshot(page, 'operator-sign-in-refused');
    expect((await browser.context.cookies()).find((c) => c.name === 'authsync_dashboard')).toBeUndefined();
  });

  it('signs in and sees the projects of their teams only', async () => {
    const { page } = browser;
    await page.getByLabel('Password').fill(operator.password);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL('**/dashboard/projects');
    const cookie = (await browser.context.cookies()).find((c) => c.name === 'authsync_dashboard');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/dashboard' });
    await expect(page.getByRole('link', { name: 'Team shop' }).count()).resolves.toBe(1);
    await expect(page.getByText('Someone else’s shop').count()).resolves.toBe(0);
    await expect(page.getByText('Test project').count()).resolves.toBe(0);
    await screenshot(page, 'operator-projects');

    const response = await page.goto(`${t.url}/dashboard/projects/${foreignProject}/users`);
    expect(response?.status()).toBe(404);
    await page.goto(`${t.url}/dashboard/projects/${ownProject}/users`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Users');
    await expect(page.getByRole('navigation', { name: 'Project Team shop' }).count()).resolves.toBe(1);
  });

  it('creates a project for their team and opens it', async () => {
    const { page } = browser;
    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByLabel('Name', { exact: true }).fill('New team app');
    await expect(page.getByLabel('Owner team').inputValue()).resolves.toBe(operator.teamId);
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('link', { name: 'Go to the project’s configuration' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('New team app');
    await expect(page.locator('#env-block').textContent()).resolves.toContain('NEXT_PUBLIC_STACK_PUBLISHABLE_CLIENT_KEY=pck_');
    await page.getByRole('link', { name: 'Projects' }).click();
    await expect(page.getByRole('link', { name: 'New team app' }).count()).resolves.toBe(1);
  });

  it('signs out', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.locator('#live').textContent()).resolves.toBe('You are signed out.');
    await page.goto(`${t.url}/dashboard/projects`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in');
  });
});
