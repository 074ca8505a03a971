/**
 * The E-mails page keeps a project's mails and SMTP settings to those allowed to manage that project: a session of
 * another project sees neither (404, through its own project's URL too), a request without a session is sent to
 * sign-in, a form without the CSRF token or from another origin changes nothing, and bad input is a 4xx page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSmtpSettings } from '../../src/email/smtp-settings.js';
import { createProject } from '../../src/projects/projects.js';
import { queueMail } from '../email/support.js';
import type { TestServer } from '../helpers/server.js';
import { ADMIN_SECRET, startDashboardServer } from './support.js';

async function signIn(t: TestServer, secret: string): Promise<{ cookie: string; csrf: string }> {
  const origin = new URL(t.url).origin;
  const response = await fetch(`${t.url}/dashboard/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    body: new URLSearchParams({ secret }).toString(),
  });
  expect(response.status).toBe(303);
  const cookie = `authsync_dashboard=${/authsync_dashboard=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')![1]!}`;
  const page = await (await fetch(`${t.url}${response.headers.get('location')}`, { headers: { cookie } })).text();
  return { cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(page)![1]! };
}

describe('E-mails page access', () => {
  let t: TestServer;
  let otherProject: string;
  let otherKey: string;
  let mail: { id: string; to: string };

  const get = (path: string, cookie = '') => fetch(`${t.url}${path}`, { redirect: 'manual', headers: { cookie } });
  const post = (path: string, cookie: string, form: Record<string, string>, origin = new URL(t.url).origin) =>
    fetch(`${t.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin },
      body: new URLSearchParams(form).toString(),
    });
  const emails = (projectId: string, rest = '') => `/dashboard/projects/${projectId}/emails${rest}`;
  const smtpForm = { host: 'smtp.attacker.example', sender_email: 'x@attacker.example', password: 'p' };

  beforeAll(async () => {
    t = await startDashboardServer();
    const other = await createProject(t.server.ctx.db, t.server.ctx.box, { displayName: 'Other project' });
    otherProject = other.project.id;
    otherKey = other.keys.superSecretAdminKey;
    mail = await queueMail(t, 'access');
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('sends a request without a session to sign-in', async () => {
    const response = await get(emails(t.projectId));
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/dashboard/sign-in');
    expect((await post(emails(t.projectId, '/smtp'), '', smtpForm)).status).toBe(401);
  });

  it('shows another project’s session neither the mails nor the SMTP form, nor a mail through its own URL', async () => {
    const { cookie, csrf } = await signIn(t, otherKey);
    for (const path of [emails(t.projectId), emails(t.projectId, `/${mail.id}`)]) {
      const response = await get(path, cookie);
      expect(response.status, path).toBe(404);
      expect(await response.text()).not.toContain(mail.to);
    }
    const ownUrl = await get(emails(otherProject, `/${mail.id}`), cookie);
    expect(ownUrl.status).toBe(404);
    expect(await ownUrl.text()).not.toContain(mail.to);
    const list = await (await get(emails(otherProject), cookie)).text();
    expect(list).toContain('No mails.');

    expect((await post(emails(t.projectId, '/smtp'), cookie, { ...smtpForm, _csrf: csrf })).status).toBe(404);
    expect(await getSmtpSettings(t.server.ctx.db, t.projectId)).toBeUndefined();
  });

  it('changes nothing without the CSRF token or from another origin; bad input is a 4xx page', async () => {
    const { cookie, csrf } = await signIn(t, ADMIN_SECRET);
    expect((await post(emails(t.projectId, '/smtp'), cookie, smtpForm)).status).toBe(403);
    expect((await post(emails(t.projectId, '/smtp'), cookie, { ...smtpForm, _csrf: csrf }, 'http://evil.example')).status).toBe(403);
    expect(await getSmtpSettings(t.server.ctx.db, t.projectId)).toBeUndefined();

    const badForms: Array<Record<string, string>> = [
      { host: '', sender_email: 'a@example.com' },
      { host: 'smtp.example.com', sender_email: 'a@example.com', port: 'abc' },
      { host: 'smtp.example.com', sender_email: 'a@example.com', tls: 'ssl' },
      { host: 'smtp.example.com', sender_email: 'not an address' },
      { host: 'smtp.example.com\r\nRCPT TO:<x@example.com>', sender_email: 'a@example.com' },
    ];
    for (const bad of badForms) {
      const response = await post(emails(t.projectId, '/smtp'), cookie, { ...bad, _csrf: csrf });
      expect(response.status, JSON.stringify(bad)).toBe(400);
      expect(await response.text()).toContain('role="alert"');
    }
    expect(await getSmtpSettings(t.server.ctx.db, t.projectId)).toBeUndefined();
    for (const id of ['not-a-uuid', '00000000-0000-4000-8000-000000000000', '%00'])
      expect((await get(emails(t.projectId, `/${id}`), cookie)).status).toBe(404);
    expect((await get(emails(t.projectId, '?status=bogus'), cookie)).status).toBe(200);
  });
});
