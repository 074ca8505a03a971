/**
 * A mail's content cannot run script or add markup in the dashboard's origin. A project's template overrides are
 * written by whoever administers the project, and the mails carry user data, so the E-mails pages show the subject,
 * text and HTML source as text: no element of the mail reaches the DOM, and only http(s) links become anchors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, uniqueEmail } from '../api/support.js';
import { waitForRow } from '../email/support.js';
import { waitForMail } from '../helpers/mail.js';
import { api, type TestServer } from '../helpers/server.js';
import { launchBrowser, signIn, startDashboardServer, type Browser } from './support.js';

const CALLBACK = 'http://localhost:3000/handler/email-verification';
const SCRIPT = `<script>window.__pwned = 'script'; alert('script')</script>`;
const IMG = `<img src="x" onerror="window.__pwned = 'img'; alert('img')">`;
const FRAME = `<iframe srcdoc="<script>parent.__pwned = 'frame'</script>"></iframe>`;

describe('a mail cannot run script in the dashboard', () => {
  let t: TestServer;
  let browser: Browser;
  const dialogs: string[] = [];

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

  it('shows a hostile template’s subject, text and HTML as text, with only its http(s) link as an anchor', async () => {
    await t.server.ctx.db.query(
      `INSERT INTO authsync.email_templates (project_id, template, subject, text_body, html_body) VALUES ($1, 'email_verification', $2, $3, $4)`,
      [
        t.projectId,
        `<b>bold</b>${SCRIPT}`,
        `${SCRIPT}\n${IMG}\njavascript:alert('link') data:text/html,${SCRIPT}\nhttp://evil.example/"onmouseover="alert('attr')\n{{emailVerificationLink}}\n${FRAME}\n`,
        `<html><body>${SCRIPT}${IMG}${FRAME}<a href="javascript:alert('href')">x</a> <a href="{{emailVerificationLink}}">verify</a></body></html>`,
      ],
    );
    const email = uniqueEmail('hostile');
    const signUp = await api(t, 'POST', '/auth/password/sign-up', {
      body: { email, password: PASSWORD, verification_callback_url: CALLBACK },
    });
    expect(signUp.status, signUp.text).toBe(200);
    const mail = await waitForMail(t, email);
    expect(mail.html).toContain(SCRIPT);
    await waitForRow(t, mail.id, (row) => row.status === 'dev_mailbox');

    const { page } = browser;
    const emailsUrl = `${t.url}/dashboard/projects/${t.projectId}/emails`;
    for (const url of [emailsUrl, `${emailsUrl}/${mail.id}`]) {
      await page.goto(url);
      await page.waitForLoadState('load');
      // Nothing of the mail became an element: the page's own markup has no script, image or frame in main.
      await expect(page.locator('main script, main img, main iframe, main b').count()).resolves.toBe(0);
      await expect(page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).resolves.toBeUndefined();
    }

    // The mail page: the subject and the text as text, the HTML part as its escaped source.
    await expect(page.locator('h1').textContent()).resolves.toBe(`<b>bold</b>${SCRIPT}`.replace(/\s+/g, ' '));
    await expect(page.locator('[data-mail-text]').textContent()).resolves.toContain(SCRIPT);
    await expect(page.locator('[data-mail-text]').textContent()).resolves.toContain(IMG);
    await page.locator('summary', { hasText: 'HTML part' }).click();
    await expect(page.locator('[data-mail-html]').textContent()).resolves.toBe(mail.html);

    // Anchors only for http(s) links, each exactly its link: no javascript: or data: URL, no attribute injected.
    const anchors = await page
      .locator('[data-mail-text] a')
      .evaluateAll((links) => links.map((a) => ({ href: a.getAttribute('href'), attributes: a.getAttributeNames().sort() })));
    expect(anchors.map((a) => a.href)).toEqual([
      'http://evil.example/',
      expect.stringMatching(/^http:\/\/localhost:3000\/handler\/email-verification\?code=/),
    ]);
    for (const anchor of anchors) expect(anchor.attributes).toEqual(['data-mail-link', 'href', 'rel', 'target']);
    await page.locator('[data-mail-text] a').first().hover();

    await expect(page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).resolves.toBeUndefined();
    expect(dialogs).toEqual([]);
  });
});
