/**
 * Delivery over SMTP on both stores: the instance's server (AUTHSYNC_EMAIL_*) and a project's own (setSmtpSettings,
 * its sealed password used as the login) each receive the mail of a real flow, with the subject, the text and HTML
 * parts carrying the full link, the project's name as the From name (unless the settings name a sender), and the
 * queue row's Message-ID; the row is marked sent. Removing the project's settings sends through the instance again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeSmtpSettings, setSmtpSettings } from '../../src/email/smtp-settings.js';
import { linkCode, startSmtpSink, type SinkMessage, type SmtpSink } from '../helpers/mail.js';
import { api, startTestServer, STORES, type TestServer } from '../helpers/server.js';
import { PASSWORD, uniqueEmail } from '../api/support.js';
import { instanceSmtpEnv, waitForRow } from './support.js';

const CALLBACK = 'http://localhost:3000/handler/email-verification';

describe.each(STORES)('delivery to SMTP on %s', (mode) => {
  let instanceSink: SmtpSink;
  let projectSink: SmtpSink;
  let t: TestServer;
  beforeAll(async () => {
    instanceSink = await startSmtpSink();
    projectSink = await startSmtpSink();
    t = await startTestServer({ mode, env: instanceSmtpEnv(instanceSink.port) });
  });
  afterAll(async () => {
    await t?.stop();
    await instanceSink?.stop();
    await projectSink?.stop();
  });

  /** Signs up with a verification callback; returns the mail the sink received and its queue row. */
  async function signUpAndReceive(sink: SmtpSink): Promise<{ email: string; message: SinkMessage; rowId: string }> {
    const email = uniqueEmail('smtp');
    const res = await api(t, 'POST', '/auth/password/sign-up', {
      body: { email, password: PASSWORD, verification_callback_url: CALLBACK },
    });
    expect(res.status, res.text).toBe(200);
    const message = await sink.waitFor((m) => m.to.includes(email));
    const { rows } = await t.server.ctx.db.query<{ id: string }>('SELECT id FROM authsync.emails WHERE recipient = $1', [email]);
    expect(rows).toHaveLength(1);
    return { email, message, rowId: rows[0]!.id };
  }

  it("delivers through the instance's SMTP server: subject, both parts with the link, From name, Message-ID", async () => {
    const { email, message, rowId } = await signUpAndReceive(instanceSink);
    expect(message.subject).toBe('Verify your email at Test project');
    expect(message.headerTo).toEqual([email]);
    expect(message.fromHeader).toEqual({ name: 'Test project', address: 'noreply@authsync.example' });
    expect(message.from).toBe('noreply@authsync.example');
    const code = linkCode(message.text, CALLBACK);
    expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{45}$/);
    expect(message.html).toContain(`${CALLBACK}?code=${code}`);

    const row = await waitForRow(t, rowId, (r) => r.status === 'sent');
    expect(message.messageId).toBe(row.messageId);
    expect(row.messageId).toMatch(new RegExp(`^<${rowId}@127\\.0\\.0\\.1>$`));
    expect(row.attempts).toBe(1);
    expect(row.lastError).toBeNull();
    expect(row.sender).toBe(`noreply@authsync.example via 127.0.0.1:${instanceSink.port}`);
    expect(projectSink.messages.filter((m) => m.to.includes(email))).toEqual([]);

    // The code in the delivered mail is the one the flow stored: it verifies the address.
    const verified = await api(t, 'POST', '/contact-channels/verify', { body: { code } });
    expect(verified.status, verified.text).toBe(200);
  });

  it("delivers through the project's own SMTP server, logging in with its sealed password", async () => {
    const view = await setSmtpSettings(t.server.ctx, t.projectId, {
      host: '127.0.0.1',
      port: projectSink.port,
      tls: 'none',
      username: 'project-login',
      password: 'project-smtp-password',
      senderEmail: 'auth@project.example',
    });
    expect(view).toMatchObject({ host: '127.0.0.1', port: projectSink.port, tls: 'none', hasPassword: true, senderName: null });
    expect(view).not.toHaveProperty('password');
    const { rows } = await t.server.ctx.db.query<{ password_enc: string }>(
      'SELECT password_enc FROM authsync.email_smtp_settings WHERE project_id = $1',
      [t.projectId],
    );
    expect(rows[0]!.password_enc).not.toContain('project-smtp-password');
    try {
      const { email, message, rowId } = await signUpAndReceive(projectSink);
      expect(message.subject).toBe('Verify your email at Test project');
      expect(message.fromHeader).toEqual({ name: 'Test project', address: 'auth@project.example' });
      expect(message.html).toContain(`${CALLBACK}?code=${linkCode(message.text, CALLBACK)}`);
      expect(projectSink.logins).toContainEqual({ username: 'project-login', password: 'project-smtp-password' });
      const row = await waitForRow(t, rowId, (r) => r.status === 'sent');
      expect(message.messageId).toBe(row.messageId);
      expect(row.sender).toBe(`auth@project.example via 127.0.0.1:${projectSink.port}`);
      expect(instanceSink.messages.filter((m) => m.to.includes(email))).toEqual([]);

      // A sender name in the settings replaces the project's name; the stored password is kept when none is given.
      await setSmtpSettings(t.server.ctx, t.projectId, {
        host: '127.0.0.1',
        port: projectSink.port,
        tls: 'none',
        username: 'project-login',
        senderEmail: 'auth@project.example',
        senderName: 'Acme Accounts',
      });
      const named = await signUpAndReceive(projectSink);
      expect(named.message.fromHeader).toEqual({ name: 'Acme Accounts', address: 'auth@project.example' });
      expect(projectSink.logins.at(-1)).toEqual({ username: 'project-login', password: 'project-smtp-password' });
    } finally {
      expect(await removeSmtpSettings(t.server.ctx.db, t.projectId)).toBe(true);
    }
    // Without its own settings, the project's mail goes through the instance's server again.
    const back = await signUpAndReceive(instanceSink);
    expect(back.message.fromHeader.address).toBe('noreply@authsync.example');
  });
});
