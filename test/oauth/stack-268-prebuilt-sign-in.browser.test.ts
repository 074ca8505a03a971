/**
 * The prebuilt sign-in page of @stackframe/stack 2.6.8 (the SDK generation of Neon's Legacy Neon Auth apps), in a real
 * Next.js app (App Router; test/fixtures/next-stack-268: StackProvider + StackTheme in the layout, StackHandler on
 * /handler/[...stack], a server-rendered protected page), in Chromium, against authsync and a real OpenID Connect
 * provider. The app is built with `next build` (Next 15: 2.6.8 reads cookies() synchronously, which Next 16 refuses)
 * and served with `next start`; see test/helpers/next-app.ts.
 *
 * The page shows the project's provider (GET /projects/current), its button runs 2.6.8's OAuth flow (redirect mode:
 * authorize → the provider → authsync's callback → the app's /handler/oauth-callback, which exchanges the code), and
 * the app's server then reads the session from its cookies. The password form on the same page signs in too.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type Browser } from '../dashboard/support.js';
import { PASSWORD, signUp, uniqueEmail } from '../api/support.js';
import { startNextApp, type NextApp } from '../helpers/next-app.js';
import { api, serverHeaders, useTestServer } from '../helpers/server.js';
import { useMockProvider } from './flow.js';

interface ServerUser {
  id: string;
  primary_email: string | null;
  oauth_providers: Array<{ id: string; account_id: string; email: string | null }>;
}

describe('@stackframe/stack 2.6.8 prebuilt sign-in page in a Next app, in Chromium', () => {
  const t = useTestServer();
  const idp = useMockProvider(t);
  let app: NextApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await startNextApp({
      fixture: 'next-stack-268',
      nextPackage: 'next-15',
      packages: { '@stackframe/stack': 'stack-next-268' },
      env: {
        NEXT_PUBLIC_STACK_URL: t.url,
        NEXT_PUBLIC_STACK_PROJECT_ID: t.projectId,
        NEXT_PUBLIC_STACK_PUBLISHABLE_CLIENT_KEY: t.keys.publishableClientKey,
        STACK_SECRET_SERVER_KEY: t.keys.secretServerKey,
      },
    });
    browser = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function usersByEmail(email: string): Promise<ServerUser[]> {
    const res = await api(t, 'GET', '/users', { headers: serverHeaders(t) });
    expect(res.status, res.text).toBe(200);
    return (res.json.items as ServerUser[]).filter((user) => user.primary_email === email);
  }

  /** The protected page, rendered on the app's server from the session cookies: the signed-in user's e-mail. */
  async function signedInEmail(): Promise<string> {
    // Polled rather than waitForURL: after signing in, the SDK may replace one client-side navigation with another,
    // and waitForURL fails on the aborted one.
    await expect.poll(() => new URL(browser.page.url()).pathname, { timeout: 30_000 }).toBe('/protected');
    return (await browser.page.getByTestId('email').textContent({ timeout: 30_000 })) ?? '';
  }

  async function inStep<T>(name: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      await screenshot(browser.page, `stack-268-${name}`).catch(() => undefined);
      throw new Error(`${String(error)}\n--- next start output ---\n${app.output().slice(-4000)}`, { cause: error });
    }
  }

  it('signed out, the protected page sends the browser to the prebuilt sign-in page, which shows the provider', async () => {
    await inStep('signed-out', async () => {
      await browser.page.goto(`${app.origin}/protected`);
      await expect.poll(() => new URL(browser.page.url()).pathname, { timeout: 30_000 }).toBe('/handler/sign-in');
      await expect.poll(() => browser.page.getByRole('button', { name: 'Sign in with acme' }).isVisible()).toBe(true);
    });
  });

  it('the provider button: the provider signs in a new user, who lands back in the app signed in, with the provider account', async () => {
    const sub = randomUUID();
    const email = uniqueEmail('next268');
    idp.signInNextAs({ sub, email, email_verified: true, name: 'Nia' });
    await inStep('oauth', async () => {
      await browser.context.clearCookies();
      await browser.page.goto(`${app.origin}/handler/sign-in?after_auth_return_to=${encodeURIComponent('/protected')}`);
      await browser.page.getByRole('button', { name: 'Sign in with acme' }).click();
      expect(await signedInEmail()).toBe(email);
    });
    const users = await usersByEmail(email);
    expect(users).toHaveLength(1);
    expect(users[0]!.oauth_providers).toEqual([expect.objectContaining({ id: 'acme', account_id: sub })]);

    // The session is the app's, not the page's: a fresh load of the protected page is still signed in.
    await browser.page.goto(`${app.origin}/protected`);
    expect(await signedInEmail()).toBe(email);
  });

  it('the password form on the same page signs in an existing user', async () => {
    const email = uniqueEmail('next268-password');
    await signUp(t, email, PASSWORD);
    await inStep('password', async () => {
      await browser.context.clearCookies();
      await browser.page.goto(`${app.origin}/handler/sign-in?after_auth_return_to=${encodeURIComponent('/protected')}`);
      // Magic links are off in a new project, so the page shows the password form itself (no tabs).
      await browser.page.getByLabel('Email', { exact: true }).fill(email);
      await browser.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await browser.page.getByRole('button', { name: 'Sign In', exact: true }).click();
      expect(await signedInEmail()).toBe(email);
    });
  });
});
