/**
 * The Configuration page's "OAuth providers" section in a real browser: add a provider (its secret stored sealed and
 * never shown back), see its callback URL, a mistake shown as a message, and removal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getOAuthProvider } from '../../src/oauth/provider-config.js';
import type { TestServer } from '../helpers/server.js';
import { launchBrowser, screenshot, signIn, startDashboardServer, type Browser } from './support.js';

const SECRET = 'dashboard-oauth-secret-never-shown-42';

describe('dashboard OAuth providers', () => {
  let t: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    t = await startDashboardServer();
    browser = await launchBrowser();
    await signIn(browser.page, t);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  const configurationUrl = () => `${t.url}/dashboard/projects/${t.projectId}/configuration`;
  const section = () => browser.page.locator('section', { has: browser.page.getByRole('heading', { name: 'OAuth providers' }) });

  it('adds a provider: listed with its callback URL, the secret stored sealed and never shown', async () => {
    const { page } = browser;
    await page.goto(configurationUrl());
    await expect(section().textContent()).resolves.toContain('None yet.');
    await page.getByLabel('Provider ID').fill('github');
    await page.getByLabel('Client ID').fill('gh-dashboard-client');
    await page.getByLabel('Client secret').fill(SECRET);
    await page.getByLabel('Extra scopes (optional)').fill('read:org, gist');
    await page.getByLabel('Let apps use users’ provider tokens (connected accounts)').uncheck();
    await page.getByRole('button', { name: 'Add OAuth provider' }).click();
    await expect(page.locator('#live').textContent()).resolves.toBe('Saved the OAuth provider. Register its callback URL at the provider.');

    const row = section().locator('tr', { hasText: 'gh-dashboard-client' });
    await expect(row.locator('[data-type]').textContent()).resolves.toBe('GitHub');
    await expect(row.locator('td[data-label="Extra scopes"]').textContent()).resolves.toBe('read:org gist');
    await expect(row.locator('td[data-label="Sign-in"]').textContent()).resolves.toBe('on');
    await expect(row.locator('td[data-label="Connected accounts"]').textContent()).resolves.toBe('off');
    await expect(row.locator('td[data-label="Callback URL"]').textContent()).resolves.toBe(`${t.url}/api/v1/auth/oauth/callback/github`);
    expect(await page.content()).not.toContain(SECRET);
    await screenshot(page, 'configuration-oauth-providers');

    const stored = await getOAuthProvider(t.server.ctx.db, t.server.ctx.box, t.projectId, 'github');
    expect(stored).toMatchObject({
      clientId: 'gh-dashboard-client',
      clientSecret: SECRET,
      scopes: ['read:org', 'gist'],
      allowConnectedAccounts: false,
    });
    const raw = await t.server.ctx.db.query('SELECT * FROM authsync.oauth_providers');
    expect(JSON.stringify(raw.rows)).not.toContain(SECRET);
  });

  it('shows a mistake as a message and stores nothing', async () => {
    const { page } = browser;
    await page.goto(configurationUrl());
    await page.getByLabel('Provider ID').fill('okta');
    await page.getByLabel('Client ID').fill('okta-client');
    await page.getByLabel('Client secret').fill('okta-secret');
    await page.getByRole('button', { name: 'Add OAuth provider' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('OpenID Connect provider: give its issuer URL');
    expect(await getOAuthProvider(t.server.ctx.db, t.server.ctx.box, t.projectId, 'okta')).toBeUndefined();
  });

  it('adds an OpenID Connect provider by issuer URL, and removes a provider', async () => {
    const { page } = browser;
    await page.goto(configurationUrl());
    await page.getByLabel('Provider ID').fill('keycloak');
    await page.getByLabel('Client ID').fill('kc-client');
    await page.getByLabel('Client secret').fill('kc-secret');
    await page.getByLabel('Issuer URL (OpenID Connect, or a Microsoft tenant)').fill('https://sso.example.com/realms/app');
    await page.getByLabel('Offer for sign-in').uncheck();
    await page.getByRole('button', { name: 'Add OAuth provider' }).click();
    const row = section().locator('tr', { hasText: 'kc-client' });
    await expect(row.locator('[data-type]').textContent()).resolves.toBe('OpenID Connect');
    await expect(row.locator('[data-issuer]').textContent()).resolves.toBe('https://sso.example.com/realms/app');
    await expect(row.locator('td[data-label="Sign-in"]').textContent()).resolves.toBe('off');

    await section().locator('tr', { hasText: 'gh-dashboard-client' }).getByRole('button', { name: 'Remove' }).click();
    await expect(page.locator('#live').textContent()).resolves.toContain('Removed the OAuth provider.');
    await expect(section().locator('tr', { hasText: 'gh-dashboard-client' }).count()).resolves.toBe(0);
    expect(await getOAuthProvider(t.server.ctx.db, t.server.ctx.box, t.projectId, 'github')).toBeUndefined();
  });
});
