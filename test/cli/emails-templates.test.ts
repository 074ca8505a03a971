/**
 * `authsync emails template show|set|reset`: a project's own wording of the verification mail is what the next
 * sign-up's mail is rendered from (values still escaped in the HTML part, the link still working); a part without
 * the mail's link, an unknown type or an empty set is refused with exit 1 and changes nothing; reset goes back to
 * the default.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, uniqueEmail } from '../api/support.js';
import { linkCode, waitForMail } from '../helpers/mail.js';
import { api, clientHeaders, useTestServer } from '../helpers/server.js';
import { runCli } from './run-cli.js';

const CALLBACK = 'http://localhost:3000/handler/email-verification';

describe('emails template commands on PostgreSQL', () => {
  const t = useTestServer({ mode: 'postgres' });
  let project: string[];
  let dir: string;
  beforeAll(() => {
    project = ['--project', t.projectId, '--database-url', t.databaseUrl!, '--data-dir', t.dataDir];
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-templates-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function file(name: string, content: string): string {
    const at = path.join(dir, name);
    fs.writeFileSync(at, content);
    return at;
  }

  async function signUpMail(displayName?: string) {
    const email = uniqueEmail('template');
    const res = await api(t, 'POST', '/auth/password/sign-up', {
      body: { email, password: PASSWORD, verification_callback_url: CALLBACK },
    });
    expect(res.status, res.text).toBe(200);
    if (displayName) {
      // The display name is set after sign-up; the next mail (a resend) carries it.
      const patched = await api(t, 'PATCH', '/users/me', {
        headers: clientHeaders(t, { 'x-stack-access-token': res.json.access_token as string }),
        body: { display_name: displayName },
      });
      expect(patched.status, patched.text).toBe(200);
      const resend = await api(t, 'POST', '/contact-channels/send-verification-code', {
        headers: clientHeaders(t, { 'x-stack-access-token': res.json.access_token as string }),
        body: { email, callback_url: CALLBACK },
      });
      expect(resend.status, resend.text).toBe(200);
    }
    return { email, accessToken: res.json.access_token as string };
  }

  it('a project template is what the next mail is rendered from; values escaped in HTML; the link still verifies', async () => {
    const text = file('verify.txt', 'Welcome to {{projectDisplayName}}, {{userDisplayName}}!\nConfirm here: {{emailVerificationLink}}\n');
    const html = file('verify.html', '<p>Hello <b>{{userDisplayName}}</b></p><a href="{{emailVerificationLink}}">Confirm</a>');
    const set = await runCli([
      'emails',
      'template',
      'set',
      ...project,
      '--type',
      'email_verification',
      '--subject',
      'Confirm your address for {{projectDisplayName}}',
      '--text-file',
      text,
      '--html-file',
      html,
      '--json',
    ]);
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ type: 'email_verification', overridden: { subject: true, text: true, html: true } });

    const { email } = await signUpMail('<img src=x onerror=alert(1)>');
    const mail = await waitForMail(t, email, { subject: 'Confirm your address for Test project' });
    expect(mail.text).toContain('Welcome to Test project, <img src=x onerror=alert(1)>!');
    expect(mail.html).toContain('Hello <b>&#60;img src=x onerror=alert(1)&#62;</b>');
    expect(mail.html).not.toContain('<img');
    const code = linkCode(mail.text, CALLBACK);
    const verified = await api(t, 'POST', '/contact-channels/verify', { body: { code } });
    expect(verified.status, verified.text).toBe(200);
  });

  it('set with the subject only keeps the other parts; show tells which parts are the project’s own', async () => {
    await runCli(['emails', 'template', 'reset', ...project, '--type', 'password_reset']);
    const set = await runCli([
      'emails',
      'template',
      'set',
      ...project,
      '--type',
      'password_reset',
      '--subject',
      'New password for {{projectDisplayName}}',
    ]);
    expect(set.code, set.stderr).toBe(0);
    const show = await runCli(['emails', 'template', 'show', ...project, '--type', 'password_reset', '--json']);
    expect(show.code, show.stderr).toBe(0);
    const view = JSON.parse(show.stdout) as { subject: string; text: string; overridden: Record<string, boolean> };
    expect(view.subject).toBe('New password for {{projectDisplayName}}');
    expect(view.text).toContain('{{passwordResetLink}}');
    expect(view.overridden).toEqual({ subject: true, text: false, html: false });
  });

  it('refuses a part without the link, an unknown type, an empty set and a two-line subject, changing nothing', async () => {
    const before = await runCli(['emails', 'template', 'show', ...project, '--type', 'magic_link', '--json']);
    const noLink = await runCli([
      'emails',
      'template',
      'set',
      ...project,
      '--type',
      'magic_link',
      '--text-file',
      file('nolink.txt', 'Your code is {{otp}}'),
    ]);
    expect(noLink.code).toBe(1);
    expect(noLink.stderr).toContain('must contain {{magicLink}}');
    const unknown = await runCli(['emails', 'template', 'set', ...project, '--type', 'welcome', '--subject', 'Hi']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('email_verification, password_reset, magic_link');
    const empty = await runCli(['emails', 'template', 'set', ...project, '--type', 'magic_link']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('at least one');
    const twoLines = await runCli(['emails', 'template', 'set', ...project, '--type', 'magic_link', '--subject', 'a\nBcc: x@example.com']);
    expect(twoLines.code).toBe(1);
    const missingFile = await runCli([
      'emails',
      'template',
      'set',
      ...project,
      '--type',
      'magic_link',
      '--html-file',
      path.join(dir, 'nope.html'),
    ]);
    expect(missingFile.code).toBe(1);
    expect(missingFile.stderr).toContain('cannot read');
    const after = await runCli(['emails', 'template', 'show', ...project, '--type', 'magic_link', '--json']);
    expect(after.stdout).toBe(before.stdout);
    expect(JSON.parse(after.stdout).overridden).toEqual({ subject: false, text: false, html: false });
  });

  it('reset goes back to the default; a second reset says there is nothing to reset', async () => {
    await runCli(['emails', 'template', 'set', ...project, '--type', 'sign_in_invitation', '--subject', 'Come in']);
    const reset = await runCli(['emails', 'template', 'reset', ...project, '--type', 'sign_in_invitation']);
    expect(reset.code, reset.stderr).toBe(0);
    const show = await runCli(['emails', 'template', 'show', ...project, '--type', 'sign_in_invitation', '--json']);
    expect(JSON.parse(show.stdout).subject).toBe('You have been invited to sign in to {{projectDisplayName}}');
    const again = await runCli(['emails', 'template', 'reset', ...project, '--type', 'sign_in_invitation']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('no template of its own');
  });
});
