/**
 * The prebuilt e-mail pages of @stackframe/stack 2.6.8 in a real Next.js app (test/fixtures/next-stack-268, built and
 * served by test/helpers/next-app.ts), in Chromium, with every mail delivered over SMTP: the instance's SMTP server
 * (AUTHSYNC_EMAIL_HOST / _PORT / _TLS=none) is a sink on 127.0.0.1 (test/helpers/mail.ts), so the links the browser
 * opens are the ones a mail client would show.
 *
 * - Forgot password: the sign-in page's "Forgot password?" link → the forgot-password page → "Email sent!" → the
 *   `password_reset` mail → its link (the app's /handler/password-reset?code=…) → the reset form → the new password
 *   signs in on the prebuilt page, the old one is refused, and the session the app held from before ends.
 * - E-mail verification: sign-up on /handler/sign-up (2.6.8 sends verification_callback_url) → the
 *   `email_verification` mail → its link (/handler/email-verification?code=…) → "Email verified!" → the server user's
 *   primary_email_verified, in users_sync too.
 * - An address without an account: the same "Email sent!" and no mail; links with unknown codes: the pages' "invalid
 *   link" cards.
 * - Magic link (after the project enables magic_link_enabled; the sign-in page then shows "Email" and "Email & Password"
 *   tabs): the "Email" tab → the `magic_link` mail → its link (/handler/magic-link-callback?code=…) signs a new user in;
 *   signed out, the same user again with the mail's six-character OTP typed into the page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type Browser } from '../dashboard/support.js';
import { PASSWORD, signUp, uniqueEmail } from '../api/support.js';
import { startSmtpSink, type SinkMessage } from '../helpers/mail.js';
import { startNextApp, type NextApp } from '../helpers/next-app.js';
import { api, clientHeaders, serverHeaders, useTestServer } from '../helpers/server.js';
import { updateProject } from '../../src/projects/projects.js';

const NEW_PASSWORD = 'a brand new passphrase';

// Started before the server, whose configuration names its port.
const sink = await startSmtpSink();

/** The one link in a mail's text part that starts with `prefix`; the HTML part must carry the same link. */
function linkInBothParts(mail: SinkMessage, prefix: string): string {
  const links = [...mail.text.matchAll(/https?:\/\/[^\s"'<>]+/g)].map((m) => m[0]).filter((link) => link.startsWith(prefix));
  expect(links, mail.text).toHaveLength(1);
  const link = links[0]!;
  expect(new URL(link).searchParams.get('code')).toMatch(/^[0-9a-hjkmnp-tv-z]{45}$/);
  expect(mail.html.replaceAll('&amp;', '&')).toContain(link);
  return link;
}

describe('@stackframe/stack 2.6.8 prebuilt e-mail pages in a Next app, in Chromium, mail over SMTP', () => {
  const t = useTestServer({
    env: {
      AUTHSYNC_EMAIL_HOST: '127.0.0.1',
      AUTHSYNC_EMAIL_PORT: String(sink.port),
      AUTHSYNC_EMAIL_TLS: 'none',
      AUTHSYNC_EMAIL_SENDER: 'noreply@example.com',
    },
  });
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
    await sink.stop();
  });

  async function inStep<T>(name: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      await screenshot(browser.page, `stack-268-${name}`).catch(() => undefined);
      throw new Error(`${String(error)}\n--- next start output ---\n${app.output().slice(-4000)}`, { cause: error });
    }
  }

  /** The protected page, rendered on the app's server from the session cookies: the signed-in user's e-mail. */
  async function signedInEmail(): Promise<string> {
    // Polled rather than waitForURL: after signing in, the SDK may replace one client-side navigation with another,
    // and waitForURL fails on the aborted one.
    await expect.poll(() => new URL(browser.page.url()).pathname, { timeout: 30_000 }).toBe('/protected');
    return (await browser.page.getByTestId('email').textContent({ timeout: 30_000 })) ?? '';
  }

  /** primary_email_verified in the user's neon_auth.users_sync row (the app database is the server's). */
  async function syncedVerified(userId: string): Promise<unknown> {
    const { rows } = await t.server.ctx.db.query<{ raw_json: Record<string, unknown> | string }>(
      'SELECT raw_json FROM neon_auth.users_sync WHERE id = $1',
      [userId],
    );
    const raw = rows[0]!.raw_json;
    return (typeof raw === 'string' ? (JSON.parse(raw) as Record<string, unknown>) : raw).primary_email_verified;
  }

  async function usersByEmail(email: string): Promise<Array<Record<string, unknown> & { id: string }>> {
    const res = await api(t, 'GET', '/users', { headers: serverHeaders(t) });
    expect(res.status, res.text).toBe(200);
    return (res.json.items as Array<Record<string, unknown> & { id: string }>).filter((u) => u.primary_email === email);
  }

  async function fillSignIn(email: string, password: string): Promise<void> {
    const { page } = browser;
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign In', exact: true }).click();
  }

  it('forgot password: the page sends the mail over SMTP, its link opens the reset form, and only the new password signs in', async () => {
    const email = uniqueEmail('next268-reset');
    await signUp(t, email, PASSWORD);
    const { page } = browser;

    // A session the app holds from before the reset (its refresh token cookie, as another device would keep it).
    const before = await inStep('sign-in-before-reset', async () => {
      await browser.context.clearCookies();
      await page.goto(`${app.origin}/handler/sign-in`);
      await fillSignIn(email, PASSWORD);
      expect(await signedInEmail()).toBe(email);
      const cookie = (await browser.context.cookies()).find((c) => c.name === `stack-refresh-${t.projectId}`);
      expect(cookie?.value).toBeTruthy();
      return cookie!.value;
    });
    const refresh = () =>
      api(t, 'POST', '/auth/sessions/current/refresh', { headers: clientHeaders(t, { 'x-stack-refresh-token': before }) });
    expect((await refresh()).status).toBe(200);

    await inStep('forgot-password', async () => {
      await browser.context.clearCookies();
      await page.goto(`${app.origin}/handler/sign-in`);
      await page.getByRole('link', { name: 'Forgot password?' }).click();
      await page.waitForURL((url) => url.pathname === '/handler/forgot-password');
      await page.getByLabel('Your Email', { exact: true }).fill(email);
      await page.getByRole('button', { name: 'Send Email', exact: true }).click();
      await expect.poll(() => page.getByText('Email sent!', { exact: true }).isVisible(), { timeout: 15_000 }).toBe(true);
    });

    const mail = await sink.waitFor((m) => m.to.includes(email), 15_000);
    expect(mail.subject).toBe('Reset your password at Test project');
    expect(mail.headerTo).toEqual([email]);
    expect(mail.from).toBe('noreply@example.com');
    const link = linkInBothParts(mail, `${app.origin}/handler/password-reset?`);

    await inStep('password-reset', async () => {
      await page.goto(link);
      await page.getByLabel('New Password', { exact: true }).fill(NEW_PASSWORD);
      await page.getByLabel('Repeat New Password', { exact: true }).fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Reset Password', exact: true }).click();
      await expect.poll(() => page.getByText('Password reset successfully!', { exact: true }).isVisible(), { timeout: 15_000 }).toBe(true);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL((url) => url.pathname === '/handler/sign-in');
    });
    // The reset ended every session: the app's old refresh token is refused.
    const refused = await refresh();
    expect(refused.status, refused.text).toBe(401);
    expect(refused.json.code).toBe('REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED');

    await inStep('old-password-refused', async () => {
      await fillSignIn(email, PASSWORD);
      await expect.poll(() => page.getByText('Wrong e-mail or password.', { exact: true }).isVisible(), { timeout: 15_000 }).toBe(true);
      expect(new URL(page.url()).pathname).toBe('/handler/sign-in');
    });

    await inStep('new-password', async () => {
      await fillSignIn(email, NEW_PASSWORD);
      expect(await signedInEmail()).toBe(email);
    });

    // The link is single use: opened again, the page says so instead of showing the form.
    await inStep('used-link', async () => {
      await page.goto(link);
      await expect.poll(() => page.getByText('Used Password Reset Link', { exact: true }).isVisible(), { timeout: 15_000 }).toBe(true);
    });
  });

  it('e-mail verification: sign-up on the prebuilt page sends the mail over SMTP, and its link verifies the e-mail', async () => {
    const email = uniqueEmail('next268-verify');
    const { page } = browser;

    await inStep('sign-up', async () => {
      await browser.context.clearCookies();
      await page.goto(`${app.origin}/handler/sign-up`);
      await page.getByLabel('Email', { exact: true }).fill(email);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByLabel('Repeat Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign Up', exact: true }).click();
      expect(await signedInEmail()).toBe(email);
    });

    const [user] = await usersByEmail(email);
    expect(user?.primary_email_verified).toBe(false);

    const mail = await sink.waitFor((m) => m.to.includes(email), 15_000);
    expect(mail.subject).toBe('Verify your email at Test project');
    const link = linkInBothParts(mail, `${app.origin}/handler/email-verification?`);

    await inStep('email-verification', async () => {
      await page.goto(link);
      await expect.poll(() => page.getByText('Email verified!', { exact: true }).isVisible(), { timeout: 15_000 }).toBe(true);
    });

    const after = await api(t, 'GET', `/users/${user!.id}`, { headers: serverHeaders(t) });
    expect(after.status, after.text).toBe(200);
    expect(after.json.primary_email_verified).toBe(true);
    expect(await syncedVerified(user!.id)).toBe(true);
  });

  it('an address without an account gets the same confirmation and no mail; links with unknown codes show the pages\' "invalid link" cards', async () => {
    const email = uniqueEmail('next268-nobody');
    const { page } = browser;
    await inStep('forgot-password-unknown', async () => {
      await browser.context.clearCookies();
      await page.goto(`${app.origin}/handler/forgot-password`);
      await page.getByLabel('Your Email', { exact: true }).fill(email);
      await page.getByRole('button', { name: 'Send Email', exact: true }).click();
      await expect.poll(() => page.getByText('Email sent!', { exact: true }).isVisible(), { timeout: 15_000 }).toBe(true);
    });
    const { rows } = await t.server.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM authsync.emails WHERE recipient = $1', [
      email,
    ]);
    expect(rows[0]!.n).toBe(0);
    expect(sink.messages.filter((m) => m.to.includes(email))).toEqual([]);

    // Well-formed codes (45 Crockford base32 characters) that were never issued.
    const unknownCode = 'z'.repeat(45);
    await inStep('reset-unknown-code', async () => {
      await page.goto(`${app.origin}/handler/password-reset?code=${unknownCode}`);
      await expect.poll(() => page.getByText('Invalid Password Reset Link', { exact: true }).isVisible(), { timeout: 15_000 }).toBe(true);
      expect(await page.getByLabel('New Password', { exact: true }).count()).toBe(0);
    });
    await inStep('verification-unknown-code', async () => {
      await page.goto(`${app.origin}/handler/email-verification?code=${unknownCode}`);
      await expect.poll(() => page.getByText('Invalid Verification Link', { exact: true }).isVisible(), { timeout: 15_000 }).toBe(true);
    });
  });

  it('magic link, once the project enables it: the "Email" tab sends the mail over SMTP; its link signs a new user in, its OTP an existing one', async () => {
    const email = uniqueEmail('next268-magic');
    const { page } = browser;
    await updateProject(t.server.ctx.db, t.projectId, { config: { magic_link_enabled: true } });
    try {
      await inStep('magic-link-send', async () => {
        await browser.context.clearCookies();
        await page.goto(`${app.origin}/handler/sign-in`);
        await page.getByRole('tab', { name: 'Email', exact: true }).click();
        await page.getByRole('textbox', { name: 'Email', exact: true }).fill(email);
        await page.getByRole('button', { name: 'Send email', exact: true }).click();
        await expect
          .poll(() => page.getByText('Enter the code from your email', { exact: true }).isVisible(), { timeout: 15_000 })
          .toBe(true);
      });
      const mail = await sink.waitFor((m) => m.to.includes(email), 15_000);
      expect(mail.subject).toMatch(/^Sign in to Test project: Your code is [0-9A-HJKMNP-TV-Z]{6}$/);
      const link = linkInBothParts(mail, `${app.origin}/handler/magic-link-callback?`);
      expect(mail.subject.slice(-6)).toBe(new URL(link).searchParams.get('code')!.slice(0, 6).toUpperCase());

      await inStep('magic-link-callback', async () => {
        await page.goto(link);
        expect(await signedInEmail()).toBe(email);
      });
      const created = await usersByEmail(email);
      expect(created).toHaveLength(1);
      expect(created[0]).toMatchObject({ primary_email_verified: true, otp_auth_enabled: true, has_password: false });

      // Signed out, the same user again, this time with the six characters typed into the page's OTP field.
      await inStep('otp-send', async () => {
        await browser.context.clearCookies();
        await page.goto(`${app.origin}/handler/sign-in`);
        await page.getByRole('tab', { name: 'Email', exact: true }).click();
        await page.getByRole('textbox', { name: 'Email', exact: true }).fill(email);
        await page.getByRole('button', { name: 'Send email', exact: true }).click();
        await expect
          .poll(() => page.getByText('Enter the code from your email', { exact: true }).isVisible(), { timeout: 15_000 })
          .toBe(true);
      });
      const second = await sink.waitFor((m) => m.to.includes(email) && m.messageId !== mail.messageId, 15_000);
      const otp = second.subject.slice(-6);
      expect(second.html).toContain(otp);
      await inStep('otp-sign-in', async () => {
        await page.locator('input[autocomplete="one-time-code"]').pressSequentially(otp.toLowerCase());
        expect(await signedInEmail()).toBe(email);
      });
      expect((await usersByEmail(email)).map((u) => u.id)).toEqual([created[0]!.id]);
    } finally {
      await updateProject(t.server.ctx.db, t.projectId, { config: { magic_link_enabled: false } });
    }
  });
});
