/**
 * The RLS page in a real browser: add and remove a JWKS provider, see the kit installed, and query as two
 * users through /sql's own path: each sees only its own rows of a table whose policy reads auth.user_id().
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installKit } from '../../src/rls/install.js';
import { readOrCreateSecret } from '../../src/server/secret.js';
import type { TestServer } from '../helpers/server.js';
import { launchBrowser, screenshot, signIn, startDashboardServer, type Browser } from './support.js';

describe('dashboard RLS', () => {
  let t: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    t = await startDashboardServer();
    const { db, config, users } = t.server.ctx;
    await installKit(db, { serverSecret: readOrCreateSecret(config) });
    const alice = await users.create(t.projectId, { primary_email: 'alice@example.com', display_name: 'Alice' });
    const bob = await users.create(t.projectId, { primary_email: 'bob@example.com', display_name: 'Bob' });
    await db.exec(`
      CREATE TABLE public.todos (id serial PRIMARY KEY, user_id text NOT NULL DEFAULT (auth.user_id()), task text NOT NULL);
      ALTER TABLE public.todos ENABLE ROW LEVEL SECURITY;
      CREATE POLICY "crud-authenticated-policy-select" ON public.todos AS PERMISSIVE FOR SELECT TO authenticated USING ((select auth.user_id() = user_id));
      GRANT SELECT ON public.todos TO authenticated;
      INSERT INTO public.todos (user_id, task) VALUES
        ('${alice.id}', 'alice: buy milk'), ('${alice.id}', 'alice: write tests'), ('${bob.id}', 'bob: fix the bike');`);
    browser = await launchBrowser();
    await signIn(browser.page, t);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  const rlsUrl = () => `${t.url}/dashboard/projects/${t.projectId}/rls`;

  it('adds and removes a JWKS provider', async () => {
    const { page } = browser;
    await page.goto(rlsUrl());
    await page.getByLabel('JWKS URL').fill('http://127.0.0.1:9/.well-known/jwks.json');
    await page.getByLabel('Audience (optional)').fill('my-api');
    await page.getByRole('button', { name: 'Add provider' }).click();
    await expect(page.locator('#live').textContent()).resolves.toBe('Added the provider.');
    const row = page.locator('tr', { hasText: 'http://127.0.0.1:9/.well-known/jwks.json' });
    await expect(row.locator('td[data-label="Audience"]').textContent()).resolves.toBe('my-api');
    const stored = await t.server.ctx.db.query('SELECT audience FROM authsync.rls_providers WHERE project_id = $1', [t.projectId]);
    expect(stored.rows).toEqual([{ audience: 'my-api' }]);

    await page.getByLabel('JWKS URL').fill('http://evil.example/jwks.json');
    await page.getByRole('button', { name: 'Add provider' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('https');

    await page.goto(rlsUrl());
    await page.locator('tr', { hasText: 'http://127.0.0.1:9/' }).getByRole('button', { name: 'Remove' }).click();
    await expect(page.locator('#live').textContent()).resolves.toBe('Removed the provider.');
    await expect(page.locator('tr', { hasText: 'http://127.0.0.1:9/' }).count()).resolves.toBe(0);
    expect((await t.server.ctx.db.query('SELECT 1 FROM authsync.rls_providers')).rowCount).toBe(0);
  });

  it('shows the roles and auth functions of the app database', async () => {
    const { page } = browser;
    const row = page.locator('tr', { hasText: 'server' }).filter({ has: page.locator('td[data-label="Roles"]') });
    await expect(row.locator('td[data-label="Roles"]').textContent()).resolves.toBe('anonymous, authenticated');
    await expect(row.locator('td[data-label="auth functions"]').textContent()).resolves.toBe('yes');
  });

  it('queries as two users and shows each only its own rows', async () => {
    const { page } = browser;
    const runAs = async (email: string) => {
      await page.getByLabel('User', { exact: true }).selectOption({ label: email });
      await page.getByLabel('SELECT').fill('SELECT task, user_id = auth.user_id() AS mine FROM public.todos ORDER BY task');
      await page.getByRole('button', { name: 'Run as this user' }).click();
      return page
        .locator('#query-result tbody tr')
        .evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('td'), (td) => td.textContent)));
    };
    expect(await runAs('alice@example.com')).toEqual([
      ['alice: buy milk', 't'],
      ['alice: write tests', 't'],
    ]);
    await expect(page.locator('#live').textContent()).resolves.toBe('The query returned 2 rows for alice@example.com.');
    await screenshot(page, 'rls-query-as-user');
    expect(await runAs('bob@example.com')).toEqual([['bob: fix the bike', 't']]);
  });

  it('refuses anything but a SELECT', async () => {
    const { page } = browser;
    await page.getByLabel('User', { exact: true }).selectOption({ label: 'bob@example.com' });
    await page.getByLabel('SELECT').fill('DELETE FROM public.todos');
    await page.getByRole('button', { name: 'Run as this user' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Only a SELECT');
    await page.getByLabel('SELECT').fill('WITH gone AS (DELETE FROM public.todos RETURNING *) SELECT * FROM gone');
    await page.getByRole('button', { name: 'Run as this user' }).click();
    await expect(page.getByRole('alert').count()).resolves.toBe(1);
    expect((await t.server.ctx.db.query('SELECT 1 FROM public.todos')).rowCount).toBe(3);
  });
});
