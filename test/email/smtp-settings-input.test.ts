/**
 * A project's SMTP settings: the defaults (port 587 with STARTTLS, 465 with implicit TLS), the password kept when
 * omitted and removed with null, and bad input refused with SMTP_SETTINGS_INPUT (400), including line breaks that
 * would add mail headers. The instance's default sender comes from AUTHSYNC_EMAIL_SENDER.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { getSmtpSettings, instanceSmtpServer, setSmtpSettings, type SmtpSettingsInput } from '../../src/email/smtp-settings.js';
import { useTestServer } from '../helpers/server.js';

describe('SMTP settings', () => {
  const t = useTestServer({ mode: 'pglite' });
  const base: SmtpSettingsInput = { host: 'smtp.example.com', senderEmail: 'auth@example.com' };

  it('fills in the port and TLS mode, and keeps or removes the password as asked', async () => {
    expect(await setSmtpSettings(t.server.ctx, t.projectId, { ...base, password: 'secret-1' })).toMatchObject({
      host: 'smtp.example.com',
      port: 587,
      tls: 'starttls',
      hasPassword: true,
    });
    expect(await setSmtpSettings(t.server.ctx, t.projectId, { ...base, port: 465 })).toMatchObject({
      port: 465,
      tls: 'tls',
      hasPassword: true,
    });
    expect(await setSmtpSettings(t.server.ctx, t.projectId, { ...base, tls: 'tls' })).toMatchObject({ port: 465, tls: 'tls' });
    expect(await setSmtpSettings(t.server.ctx, t.projectId, { ...base, password: null })).toMatchObject({ hasPassword: false });
    expect((await getSmtpSettings(t.server.ctx.db, t.projectId))?.hasPassword).toBe(false);
  });

  it('refuses bad input with SMTP_SETTINGS_INPUT', async () => {
    for (const input of [
      { ...base, host: 'smtp.example.com\r\nRCPT TO:<x@y>' },
      { ...base, host: '' },
      { ...base, port: 0 },
      { ...base, port: 70000 },
      { ...base, port: 25.5 },
      { ...base, tls: 'ssl' as never },
      { ...base, senderEmail: 'not an address' },
      { ...base, senderName: 'Acme\r\nBcc: everyone@example.com' },
      { ...base, username: 'user\nname' },
      { ...base, password: '' },
    ]) {
      await expect(setSmtpSettings(t.server.ctx, t.projectId, input), JSON.stringify(input)).rejects.toMatchObject({
        code: 'SMTP_SETTINGS_INPUT',
        status: 400,
      });
    }
    await expect(setSmtpSettings(t.server.ctx, randomUUID(), base)).rejects.toMatchObject({ code: 'PROJECT_NOT_FOUND', status: 404 });
  });

  it("takes the instance's server and sender from the configuration", () => {
    const config = (env: Record<string, string>) => loadConfig({ port: 0, baseUrl: 'https://auth.example.org' }, env);
    expect(instanceSmtpServer(config({}))).toBeNull();
    expect(instanceSmtpServer(config({ AUTHSYNC_EMAIL_HOST: 'mail.example.org' }))).toEqual({
      host: 'mail.example.org',
      port: 587,
      tls: 'starttls',
      username: null,
      password: null,
      senderEmail: 'noreply@auth.example.org',
      senderName: null,
    });
    expect(
      instanceSmtpServer(
        config({
          AUTHSYNC_EMAIL_HOST: 'mail.example.org',
          AUTHSYNC_EMAIL_PORT: '465',
          AUTHSYNC_EMAIL_USERNAME: 'apikey',
          AUTHSYNC_EMAIL_PASSWORD: 'pw',
          AUTHSYNC_EMAIL_SENDER: '"Acme Accounts" <accounts@example.org>',
        }),
      ),
    ).toMatchObject({
      port: 465,
      tls: 'tls',
      username: 'apikey',
      password: 'pw',
      senderEmail: 'accounts@example.org',
      senderName: 'Acme Accounts',
    });
  });
});
