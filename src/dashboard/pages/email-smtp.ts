/**
 * The "SMTP server" section of a project's E-mails page: the project's own server (never its password), a form to set
 * it (the password write-only: left empty, the stored one is kept) and removal; and, when no server is configured at
 * all, the development mailbox banner.
 */
import type { Context, Hono } from 'hono';
import type { AppContext } from '../../context/app-context.js';
import { removeSmtpSettings, setSmtpSettings, type SmtpSettingsView, type SmtpTls } from '../../email/smtp-settings.js';
import type { DashboardEnv } from '../env.js';
import { attempt, inputError, readForm } from '../form.js';
import type { DashboardSession } from '../sessions.js';
import { actionForm, csrfField } from '../view/components.js';
import { formatDate, html, type Html } from '../view/html.js';

export const SMTP_NOTICES: Record<string, string> = {
  'smtp-saved': 'Saved the SMTP settings. New mails go through this server.',
  'smtp-removed': 'Removed the SMTP settings.',
};

interface Outcomes {
  done(c: Context<DashboardEnv>, code: string): Response;
  failed(c: Context<DashboardEnv>, error: string): Promise<Response>;
}

export function registerSmtpRoutes(app: Hono<DashboardEnv>, ctx: AppContext, base: string, { done, failed }: Outcomes): void {
  app.post(`${base}/smtp`, async (c) => {
    const form = await readForm(c);
    const result = await attempt(async () => {
      const port = form.port?.trim() ?? '';
      if (port !== '' && !/^\d{1,5}$/.test(port)) throw inputError('The SMTP port must be a number from 1 to 65535.');
      return setSmtpSettings(ctx, c.get('project').id, {
        host: form.host ?? '',
        ...(port !== '' ? { port: Number(port) } : {}),
        ...(form.tls ? { tls: form.tls as SmtpTls } : {}),
        username: form.username ?? null,
        // Write-only: an empty field keeps the stored password.
        ...(form.remove_password === 'on' ? { password: null } : form.password ? { password: form.password } : {}),
        senderEmail: form.sender_email ?? '',
        senderName: form.sender_name ?? null,
      });
    });
    return result.ok ? done(c, 'smtp-saved') : failed(c, result.error);
  });

  app.post(`${base}/smtp/remove`, async (c) => {
    await removeSmtpSettings(ctx.db, c.get('project').id);
    return done(c, 'smtp-removed');
  });
}

export function devMailboxBanner(): Html {
  return html`<div class="card" role="note" data-dev-mailbox>
  <h2>Development mailbox</h2>
  <p>No SMTP server is configured for this project or the instance, so mails are not sent: they are kept here, and their
  links are written to the server log. Open a mail below to follow its link. Set an SMTP server below (or the
  instance’s <code>AUTHSYNC_EMAIL_HOST</code>) to deliver them.</p></div>`;
}

const TLS_LABELS: Array<[SmtpTls | '', string]> = [
  ['', 'Default (STARTTLS, or TLS on port 465)'],
  ['starttls', 'STARTTLS'],
  ['tls', 'TLS'],
  ['none', 'None (plain text)'],
];

export function smtpSection(session: DashboardSession, settings: SmtpSettingsView | undefined, action: string): Html {
  const tls = settings?.tls ?? '';
  return html`<section class="card" aria-labelledby="smtp-title">
  <h2 id="smtp-title">SMTP server</h2>
  ${
    settings
      ? html`<p data-smtp-current>This project sends through <code>${settings.host}:${settings.port}</code> (${settings.tls}) as
      <code>${settings.senderName ? `${settings.senderName} <${settings.senderEmail}>` : settings.senderEmail}</code>;
      username ${settings.username ? html`<code>${settings.username}</code>` : 'none'}, password ${settings.hasPassword ? 'set' : 'not set'};
      updated ${formatDate(settings.updatedAt)}.</p>
      ${actionForm(session, `${action}/remove`, 'Remove SMTP settings', { danger: true, confirm: 'Remove this project’s SMTP settings?' })}`
      : html`<p class="muted" data-smtp-current>This project has no SMTP server of its own: its mail goes through the instance’s, if any.</p>`
  }
  <form method="post" action="${action}">${csrfField(session)}
    <div><label for="smtp-host">Host</label><input type="text" id="smtp-host" name="host" required value="${settings?.host ?? ''}" autocomplete="off"></div>
    <div><label for="smtp-port">Port (optional)</label><input type="text" id="smtp-port" name="port" inputmode="numeric" value="${settings ? String(settings.port) : ''}" autocomplete="off"></div>
    <div><label for="smtp-tls">TLS</label><select id="smtp-tls" name="tls">${TLS_LABELS.map(
      ([value, label]) => html`<option value="${value}" ${value === tls ? 'selected' : ''}>${label}</option>`,
    )}</select></div>
    <div><label for="smtp-username">Username (optional)</label><input type="text" id="smtp-username" name="username" value="${settings?.username ?? ''}" autocomplete="off"></div>
    <div><label for="smtp-password">Password (${settings?.hasPassword ? 'leave empty to keep the stored one' : 'optional'})</label><input type="password" id="smtp-password" name="password" autocomplete="new-password"></div>
    ${settings?.hasPassword ? html`<label class="inline"><input type="checkbox" name="remove_password"> Remove the stored password</label>` : ''}
    <div><label for="smtp-sender-email">Sender e-mail</label><input type="email" id="smtp-sender-email" name="sender_email" required value="${settings?.senderEmail ?? ''}" autocomplete="off"></div>
    <div><label for="smtp-sender-name">Sender name (optional; default: the project’s name)</label><input type="text" id="smtp-sender-name" name="sender_name" value="${settings?.senderName ?? ''}" autocomplete="off"></div>
    <div><button type="submit">Save SMTP settings</button></div></form>
</section>`;
}
