/**
 * The E-mails page in a real browser, in the development mailbox mode (no SMTP server anywhere): a sign-up's
 * verification mail is listed, its page has the callback link as a working anchor, the status filter, and the
 * project's SMTP form stores its settings with a write-only password (seen by `authsync emails smtp show`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSmtpSettings } from '../../src/email/smtp-settings.js';
import { PASSWORD, uniqueEmail } from '../api/support.js';
import { runCli } from '../cli/run-cli.js';
import { waitForRow } from '../email/support.js';
import { linkCode, waitForMail } from '../helpers/mail.js';
import { api, type TestServer } from '../helpers/server.js';
import { launchBrowser, screenshot, signIn, startDashboardServer, type Browser } from './support.js';

const CALLBACK = 'http://localhost:3000/handler/email-verification';
const SMTP_PASSWORD = 'dashboard-smtp-password-never-shown-91';

describe('dashboard E-mails page', () => {
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

  const emailsUrl = () => `${t.url}/dashboard/projects/${t.projectId}/emails`;

  it('lists a sign-up’s verification mail; its page links to the callback URL with the code, and the code works', async () => {
    const { page } = browser;
    const email = uniqueEmail('dash-mail');
    const signUp = await api(t, 'POST', '/auth/password/sign-up', {
      body: { email, password: PASSWORD, verification_callback_url: CALLBACK },
    });
    expect(signUp.status, signUp.text).toBe(200);
    const mail = await waitForMail(t, email);
    await waitForRow(t, mail.id, (row) => row.status === 'dev_mailbox');

    await page.goto(`${t.url}/dashboard/projects/${t.projectId}`);
    await page
      .getByRole('navigation', { name: /^Project / })
      .getByRole('link', { name: 'E-mails' })
      .click();
    await page.waitForURL(emailsUrl());
    await expect(page.locator('[data-dev-mailbox]').textContent()).resolves.toContain('No SMTP server is configured');
    const row = page.locator(`tr[data-email-id="${mail.id}"]`);
    await expect(row.locator('td[data-label="To"]').textContent()).resolves.toBe(email);
    await expect(row.locator('[data-status]').getAttribute('data-status')).resolves.toBe('dev_mailbox');
    await expect(row.locator('td[data-label="Attempts"]').textContent()).resolves.toBe('1');
    await screenshot(page, 'emails-list');

    await row.getByRole('link', { name: 'Verify your email at Test project' }).click();
    await page.waitForURL(`${emailsUrl()}/${mail.id}`);
    const code = linkCode(mail.text, CALLBACK);
    const link = page.locator('[data-mail-text] a');
    await expect(link.count()).resolves.toBe(1);
    await expect(link.getAttribute('href')).resolves.toBe(`${CALLBACK}?code=${code}`);
    await expect(link.textContent()).resolves.toBe(`${CALLBACK}?code=${code}`);
    await screenshot(page, 'emails-mail');

    // The link the page offers is the working one.
    const href = (await link.getAttribute('href'))!;
    const verified = await api(t, 'POST', '/contact-channels/verify', { body: { code: new URL(href).searchParams.get('code') } });
    expect(verified.status, verified.text).toBe(200);
  });

  it('filters by status', async () => {
    const { page } = browser;
    await page.goto(emailsUrl());
    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(`${emailsUrl()}?status=failed`);
    await expect(page.locator('main').textContent()).resolves.toContain('No mails.');
    await page.getByLabel('Status').selectOption('dev_mailbox');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(`${emailsUrl()}?status=dev_mailbox`);
    await expect(page.locator('tr[data-email-id]').count()).resolves.toBeGreaterThan(0);
  });

  it('stores the SMTP settings; the password is write-only, and the CLI sees the settings', async () => {
    const { page } = browser;
    await page.goto(emailsUrl());
    await page.getByLabel('Host').fill('smtp.example.com');
    await page.getByLabel('Username (optional)').fill('mailer');
    await page.getByLabel(/^Password/).fill(SMTP_PASSWORD);
    await page.getByLabel('Sender e-mail').fill('auth@example.com');
    await page.getByRole('button', { name: 'Save SMTP settings' }).click();
    await expect(page.locator('#live').textContent()).resolves.toContain('Saved the SMTP settings.');
    await expect(page.locator('[data-smtp-current]').textContent()).resolves.toContain('smtp.example.com:587');
    await expect(page.locator('[data-dev-mailbox]').count()).resolves.toBe(0);
    expect(await page.content()).not.toContain(SMTP_PASSWORD);
    await expect(page.getByLabel(/^Password/).inputValue()).resolves.toBe('');
    await screenshot(page, 'emails-smtp');

    const shown = await runCli([
      'emails',
      'smtp',
      'show',
      '--project',
      t.projectId,
      '--database-url',
      t.databaseUrl!,
      '--data-dir',
      t.dataDir,
      '--json',
    ]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      host: 'smtp.example.com',
      port: 587,
      tls: 'starttls',
      username: 'mailer',
      passwordSet: true,
      senderEmail: 'auth@example.com',
    });
    expect(shown.stdout).not.toContain(SMTP_PASSWORD);
    const { rows } = await t.server.ctx.db.query<{ password_enc: string }>(
      'SELECT password_enc FROM authsync.email_smtp_settings WHERE project_id = $1',
      [t.projectId],
    );
    expect(t.server.ctx.box.open(rows[0]!.password_enc)).toBe(SMTP_PASSWORD);

    // Saved again with the password field empty: the stored password is kept.
    await page.getByLabel('Sender name (optional; default: the project’s name)').fill('Example Auth');
    await page.getByRole('button', { name: 'Save SMTP settings' }).click();
    await expect(page.locator('#live').textContent()).resolves.toContain('Saved the SMTP settings.');
    expect(await getSmtpSettings(t.server.ctx.db, t.projectId)).toMatchObject({ senderName: 'Example Auth', hasPassword: true });
  });

  it('shows a mistake in the SMTP form as a message, and removes the settings', async () => {
    const { page } = browser;
    await page.goto(emailsUrl());
    await page.getByLabel('Sender e-mail').fill('auth@example.com');
    await page.getByLabel('Port (optional)').fill('99999');
    await page.getByRole('button', { name: 'Save SMTP settings' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('The SMTP port must be a number from 1 to 65535.');
    expect((await getSmtpSettings(t.server.ctx.db, t.projectId))!.port).toBe(587);

    await page.goto(emailsUrl());
    await page.getByRole('button', { name: 'Remove SMTP settings' }).click();
    await expect(page.locator('#live').textContent()).resolves.toBe('Removed the SMTP settings.');
    expect(await getSmtpSettings(t.server.ctx.db, t.projectId)).toBeUndefined();
    await expect(page.locator('[data-dev-mailbox]').count()).resolves.toBe(1);
  });
});
