/**
 * `config.email_config` of the admin project object: a project's own SMTP server set through PATCH
 * /internal/projects/current is the one `authsync emails smtp` shows (password sealed, never shown back), `shared`
 * removes it, and bad input is refused with Stack's SCHEMA_ERROR lines before anything is written.
 */
import { describe, expect, it } from 'vitest';
import { getSmtpSettings } from '../../src/email/smtp-settings.js';
import { api, useTestServer } from '../helpers/server.js';
import { expectKnownError } from '../api/support.js';
import { adminTokenHeaders, createOwnedProject, DEV_KEYS_ENV, setInternalSignUp, signUpOperator, type Operator } from './support.js';

const t = useTestServer({ env: DEV_KEYS_ENV });

/** The `config.email_config` of an admin project answer. */
const emailConfig = (res: { json: Record<string, unknown> }) =>
  (res.json.config as Record<string, unknown>).email_config as Record<string, unknown>;

const STANDARD = {
  type: 'standard',
  host: 'smtp.example.com',
  port: 587,
  username: 'mailer',
  password: 'smtp password',
  sender_name: 'Acme',
  sender_email: 'noreply@acme.example',
};

describe('admin project email_config', () => {
  let operator: Operator;
  let projectId: string;
  let headers: Record<string, string>;
  const patch = (config: Record<string, unknown>) => api(t, 'PATCH', '/internal/projects/current', { headers, body: { config } });
  const schemaLine = (line: string) => ({
    message: `Request validation failed on PATCH /api/v1/internal/projects/current:\n  - ${line}`,
  });

  it('sets up an operator and a project', async () => {
    await setInternalSignUp(t, true);
    operator = await signUpOperator(t);
    projectId = await createOwnedProject(t, operator);
    headers = adminTokenHeaders(projectId, operator.accessToken);
  });

  it('a standard email_config becomes the project SMTP server, shown without its password', async () => {
    const res = await patch({ email_config: STANDARD });
    expect(res.status, res.text).toBe(200);
    const { password: _password, ...shown } = STANDARD;
    expect(emailConfig(res)).toEqual(shown);
    expect(res.text).not.toContain('smtp password');
    expect(emailConfig(await api(t, 'GET', '/internal/projects/current', { headers }))).toEqual(shown);
    const stored = await getSmtpSettings(t.server.ctx.db, projectId);
    expect(stored).toMatchObject({ host: 'smtp.example.com', port: 587, username: 'mailer', hasPassword: true, senderName: 'Acme' });
  });

  it('bad input is refused with Stack lines and changes nothing', async () => {
    expectKnownError(
      await patch({ email_config: { ...STANDARD, host: '' } }),
      'SCHEMA_ERROR',
      400,
      schemaLine('body.config.email_config.host must not be empty'),
    );
    expectKnownError(
      await patch({ email_config: { ...STANDARD, client_id: 'x' } }),
      'SCHEMA_ERROR',
      400,
      schemaLine('body.config.email_config contains unknown properties: client_id'),
    );
    const { sender_email: _sender, ...withoutSender } = STANDARD;
    expectKnownError(
      await patch({ email_config: withoutSender }),
      'SCHEMA_ERROR',
      400,
      schemaLine('body.config.email_config.sender_email must be defined'),
    );
    // The SMTP settings' own checks run before any write: the display name is not changed either.
    const badHost = await api(t, 'PATCH', '/internal/projects/current', {
      headers,
      body: { display_name: 'Should not stick', config: { email_config: { ...STANDARD, host: 'smtp example com' } } },
    });
    expect(badHost.status).toBe(400);
    const after = await api(t, 'GET', '/internal/projects/current', { headers });
    expect(after.json.display_name).not.toBe('Should not stick');
    expect(emailConfig(after).host).toBe('smtp.example.com');
    expectKnownError(
      await patch({ domains: [{ domain: 'javascript://example.com', handler_path: '/handler' }] }),
      'SCHEMA_ERROR',
      400,
      schemaLine('URL must start with http:// or https://'),
    );
  });

  it('shared removes the project SMTP server', async () => {
    const res = await patch({ email_config: { type: 'shared' } });
    expect(emailConfig(res)).toEqual({ type: 'shared' });
    expect(await getSmtpSettings(t.server.ctx.db, projectId)).toBeUndefined();
  });
});
