/**
 * The real Stack SDK in a real browser (Chromium) signs in through authsync and a real OpenID Connect provider:
 * `signInWithOAuth('acme')` → the provider → authsync's callback → the app's callback page, where the SDK exchanges
 * the code (`callOAuthCallback`) and lands on afterSignUp or afterSignIn; the user is then signed in, with the provider
 * on the user object. @stackframe/js 2.8.108 uses JSON mode (it fetches the authorize URL, then navigates to the
 * provider); 2.8.39 uses redirect mode (it navigates to the authorize URL; the inner cookie binds the flow).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type Browser } from '../dashboard/support.js';
import { startOidcProvider, type OidcProvider } from '../helpers/oidc-provider.js';
import { useTestServer } from '../helpers/server.js';
import { uniqueEmail } from '../api/support.js';
import { addMockProvider } from './flow.js';
import { startBrowserApp, type BrowserApp } from './sdk-browser-app.js';

interface SignedIn {
  id: string;
  primaryEmail: string | null;
  primaryEmailVerified: boolean;
  oauthProviders: Array<{ id: string; account_id: string; email: string | null }>;
}

interface AppWindow {
  appReady?: boolean;
  oauthError?: string;
  oauthResult?: boolean;
  app: { signInWithOAuth(id: string): Promise<void>; getUser(): Promise<SignedIn | null> };
}

const LANDINGS = ['/signed-up', '/signed-in', '/handler/error'];

describe.each([
  ['2.8.108', 'stack-js-28108', 'JSON mode'],
  ['2.8.39', 'stack-js-2839', 'redirect mode'],
])('@stackframe/js %s OAuth sign-in in Chromium (%s)', (version, sdkPackage) => {
  const t = useTestServer();
  let idp: OidcProvider;
  let app: BrowserApp;
  let browser: Browser;

  beforeAll(async () => {
    idp = await startOidcProvider();
    await addMockProvider(t, idp);
    app = await startBrowserApp({ sdkPackage, projectId: t.projectId, publishableClientKey: t.keys.publishableClientKey, baseUrl: t.url });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await idp?.stop();
  });

  const appReady = () => browser.page.waitForFunction(() => (window as unknown as AppWindow).appReady === true);

  /** Starts the sign-in on the app's home page; it navigates away, so the evaluation's own result is lost with the page. */
  async function startSignIn(): Promise<void> {
    await browser.page.goto(`${app.origin}/`);
    await appReady();
    await browser.page.evaluate(() => (window as unknown as AppWindow).app.signInWithOAuth('acme')).catch(() => undefined);
  }

  async function signInWithOAuth(): Promise<string> {
    await startSignIn();
    await browser.page.waitForURL((url) => LANDINGS.includes(url.pathname), { timeout: 20_000 });
    return new URL(browser.page.url()).pathname;
  }

  async function currentUser(): Promise<SignedIn | null> {
    await appReady();
    return browser.page.evaluate(async () => {
      const user = await (window as unknown as AppWindow).app.getUser();
      return user
        ? {
            id: user.id,
            primaryEmail: user.primaryEmail,
            primaryEmailVerified: user.primaryEmailVerified,
            oauthProviders: user.oauthProviders,
          }
        : null;
    });
  }

  it('a new user: signInWithOAuth → callOAuthCallback → afterSignUp, signed in; then the same account → afterSignIn', async () => {
    const sub = randomUUID();
    const email = uniqueEmail('browser');
    idp.signInNextAs({ sub, email, email_verified: true, name: 'Bea' });
    expect(await signInWithOAuth()).toBe('/signed-up');
    const user = await currentUser();
    expect(user).toMatchObject({ primaryEmail: email, primaryEmailVerified: true });
    expect(user!.oauthProviders).toEqual([{ id: 'acme', account_id: sub, email }]);
    // Connected account: the provider's access token, through the SDK's own call.
    const providerToken = await browser.page.evaluate(async () => {
      const current = (await (window as unknown as AppWindow).app.getUser()) as unknown as {
        getConnectedAccount(id: string): Promise<{ getAccessToken(): Promise<{ accessToken: string } | string> } | null>;
      };
      const connection = await current.getConnectedAccount('acme');
      const token = await connection?.getAccessToken();
      return typeof token === 'string' ? token : (token?.accessToken ?? null);
    });
    expect(providerToken).toMatch(/^ey/);
    // The /oauth-providers endpoints, as user.listOAuthProviders() reads them.
    const listed = await browser.page.evaluate(async () => {
      const current = (await (window as unknown as AppWindow).app.getUser()) as unknown as {
        listOAuthProviders(): Promise<Array<{ type: string; email: string | null; allowSignIn: boolean }>>;
      };
      return (await current.listOAuthProviders()).map(({ type, email, allowSignIn }) => ({ type, email, allowSignIn }));
    });
    expect(listed).toEqual([{ type: 'acme', email, allowSignIn: true }]);

    // A fresh browser session (no tokens): the same provider account signs in again as the same user, to afterSignIn.
    await browser.context.clearCookies();
    idp.signInNextAs({ sub, email, email_verified: true, name: 'Bea' });
    expect(await signInWithOAuth()).toBe('/signed-in');
    expect((await currentUser())?.id).toBe(user!.id);
  });

  it('a provider that refuses: the error redirect reaches the app’s callback page, and nobody is signed in', async () => {
    await browser.context.clearCookies();
    idp.refuseNext('access_denied');
    await startSignIn();
    await browser.page.waitForURL((url) => url.pathname === '/handler/oauth-callback', { timeout: 20_000 });
    await appReady();
    if (version === '2.8.108') {
      // 2.8.102+ turn the redirect's errorCode into the SDK's KnownError.
      await browser.page.waitForFunction(() => (window as unknown as AppWindow).oauthError !== undefined);
      expect(await browser.page.evaluate(() => (window as unknown as AppWindow).oauthError)).toContain('OAUTH_PROVIDER_ACCESS_DENIED');
    } else {
      // 2.8.39 ignores it (no code in the URL) and returns false; the app's page shows error_description itself.
      await browser.page.waitForFunction(() => (window as unknown as AppWindow).oauthResult !== undefined);
      expect(await browser.page.evaluate(() => (window as unknown as AppWindow).oauthResult)).toBe(false);
      expect(new URL(browser.page.url()).searchParams.get('errorCode')).toBe('OAUTH_PROVIDER_ACCESS_DENIED');
    }
    expect(await currentUser()).toBeNull();
  });
});
