/**
 * Property: nothing a user or a caller controls becomes markup in a mail's HTML part. A display name such as
 * `<img src=x onerror=alert(1)>` is escaped in the HTML part (and kept as is in the plain-text part), in the defaults and
 * in a project's own template.
 */
import { describe, expect, it } from 'vitest';
import { enqueueEmail } from '../../src/email/outbox.js';
import { DEFAULT_TEMPLATES, EMAIL_TEMPLATE_TYPES, renderTemplate } from '../../src/email/templates.js';
import { waitForMail } from '../helpers/mail.js';
import { useTestServer } from '../helpers/server.js';

const HOSTILE = `<img src=x onerror="alert(1)">'&`;

describe('template HTML escaping', () => {
  it('escapes every value in the HTML part of every default template', () => {
    for (const type of EMAIL_TEMPLATE_TYPES) {
      const values = Object.fromEntries(
        [
          'emailVerificationLink',
          'passwordResetLink',
          'magicLink',
          'otp',
          'teamDisplayName',
          'teamInvitationLink',
          'signInInvitationLink',
        ].map((name) => [name, HOSTILE]),
      );
      const mail = renderTemplate(DEFAULT_TEMPLATES[type], { projectDisplayName: HOSTILE, userDisplayName: HOSTILE }, values);
      expect(mail.html, type).not.toContain('<img');
      expect(mail.html, type).not.toContain('"alert(1)"');
      expect(mail.html, type).toContain('&#60;img src=x onerror=&#34;alert(1)&#34;&#62;&#39;&#38;');
      expect(mail.text, type).toContain(HOSTILE);
    }
  });

  it('keeps line breaks out of the subject', () => {
    const mail = renderTemplate(
      DEFAULT_TEMPLATES.email_verification,
      { projectDisplayName: 'A\r\nBcc: x@example.com', userDisplayName: null },
      {},
    );
    expect(mail.subject).toBe('Verify your email at A Bcc: x@example.com');
  });

  describe('a queued mail', () => {
    const t = useTestServer({ mode: 'pglite' });

    it('has the display name escaped in its HTML part and the full link in both parts', async () => {
      const link = 'https://app.example.com/handler/email-verification?code=ABC123&after=1';
      await t.server.ctx.db.transaction((tx) =>
        enqueueEmail(t.server.ctx, tx, {
          projectId: t.projectId,
          to: 'hostile@example.com',
          template: 'email_verification',
          variables: { emailVerificationLink: link },
          user: { id: '00000000-0000-4000-8000-000000000001', display_name: HOSTILE },
        }),
      );
      const mail = await waitForMail(t, 'hostile@example.com');
      expect(mail.subject).toBe('Verify your email at Test project');
      expect(mail.html).not.toContain('<img');
      expect(mail.html).toContain('Hi, &#60;img');
      expect(mail.text).toContain(`Hi, ${HOSTILE}!`);
      expect(mail.text).toContain(link);
      expect(mail.html).toContain('https://app.example.com/handler/email-verification?code=ABC123&#38;after=1');
    });

    it('escapes values in a project override too', async () => {
      await t.server.ctx.db.query(
        `INSERT INTO authsync.email_templates (project_id, template, subject, html_body) VALUES ($1, 'password_reset', 'Reset {{userDisplayName}}', '<p>{{userDisplayName}}</p><a href="{{passwordResetLink}}">go</a>')`,
        [t.projectId],
      );
      await t.server.ctx.db.transaction((tx) =>
        enqueueEmail(t.server.ctx, tx, {
          projectId: t.projectId,
          to: 'override@example.com',
          template: 'password_reset',
          variables: { passwordResetLink: 'https://app.example.com/reset?code=X"onmouseover="alert(1)' },
          user: { id: '00000000-0000-4000-8000-000000000002', display_name: HOSTILE },
        }),
      );
      const mail = await waitForMail(t, 'override@example.com');
      expect(mail.subject).toBe(`Reset ${HOSTILE}`);
      expect(mail.html).toBe(
        '<p>&#60;img src=x onerror=&#34;alert(1)&#34;&#62;&#39;&#38;</p><a href="https://app.example.com/reset?code=X&#34;onmouseover=&#34;alert(1)">go</a>',
      );
      // The text part was not overridden: the default's, with the link.
      expect(mail.text).toContain('https://app.example.com/reset?code=X"onmouseover="alert(1)');
    });
  });
});
