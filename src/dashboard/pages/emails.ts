/**
 * /dashboard/projects/:projectId/emails: the project's mails, newest first (status, recipient, subject, time, attempts,
 * last SMTP answer), filtered by status; one mail's page with its text and clickable links (the HTML part is shown
 * only as escaped source, never rendered); the development mailbox banner; the project's SMTP server (email-smtp.ts).
 */
import type { Context, Hono } from 'hono';
import type { AppContext } from '../../context/app-context.js';
import { EMAIL_STATUSES, getEmail, listEmails, type EmailStatus, type StoredEmail } from '../../email/emails.js';
import { getSmtpSettings, instanceSmtpServer } from '../../email/smtp-settings.js';
import type { Project } from '../../projects/projects.js';
import type { DashboardEnv } from '../env.js';
import { projectPath } from '../paths.js';
import type { DashboardSession } from '../sessions.js';
import type { Messages } from '../view/components.js';
import { page } from '../view/layout.js';
import { formatDate, html, type Html } from '../view/html.js';
import { mailText } from '../view/mail-text.js';
import { devMailboxBanner, registerSmtpRoutes, SMTP_NOTICES, smtpSection } from './email-smtp.js';
import { errorPage } from './error-page.js';

const PAGE_SIZE = 100;

const STATUS_LABELS: Record<EmailStatus, string> = {
  queued: 'queued',
  sent: 'sent',
  failed: 'failed',
  dev_mailbox: 'development mailbox',
};

export function registerEmails(app: Hono<DashboardEnv>, ctx: AppContext): void {
  const base = '/projects/:projectId/emails';
  const done = (c: Context<DashboardEnv>, code: string) => c.redirect(`${projectPath(c.get('project').id, '/emails')}?done=${code}`, 303);
  const failed = async (c: Context<DashboardEnv>, error: string) =>
    c.html(await emailsPage(ctx, c.get('session'), c.get('project'), undefined, { error }), 400);

  app.get(base, async (c) => {
    const wanted = c.req.query('status') ?? '';
    const status = (EMAIL_STATUSES as readonly string[]).includes(wanted) ? (wanted as EmailStatus) : undefined;
    return c.html(await emailsPage(ctx, c.get('session'), c.get('project'), status, { notice: SMTP_NOTICES[c.req.query('done') ?? ''] }));
  });

  registerSmtpRoutes(app, ctx, base, { done, failed });

  app.get(`${base}/:emailId`, async (c) => {
    const project = c.get('project');
    const mail = await getEmail(ctx.db, c.req.param('emailId'));
    if (!mail || mail.projectId !== project.id)
      return c.html(errorPage('Mail not found', 'This project has no such mail.', c.get('session')), 404);
    return c.html(mailPage(c.get('session'), project, mail));
  });
}

async function emailsPage(
  ctx: AppContext,
  session: DashboardSession,
  project: Project,
  status: EmailStatus | undefined,
  m: Messages,
): Promise<Html> {
  const base = projectPath(project.id, '/emails');
  const mails = await listEmails(ctx.db, { projectId: project.id, ...(status ? { status } : {}), limit: PAGE_SIZE });
  const smtp = await getSmtpSettings(ctx.db, project.id);
  const devMailbox = !smtp && instanceSmtpServer(ctx.config) === null;
  return page({
    title: `E-mails · ${project.displayName}`,
    session,
    project,
    tab: 'emails',
    ...m,
    body: html`<h1>E-mails</h1>
${devMailbox ? devMailboxBanner() : ''}
<form method="get" action="${base}" class="row" aria-label="Filter e-mails">
  <div><label for="status">Status</label><select id="status" name="status">
    <option value="">All</option>
    ${EMAIL_STATUSES.map((s) => html`<option value="${s}" ${s === status ? 'selected' : ''}>${STATUS_LABELS[s]}</option>`)}</select></div>
  <button type="submit">Show</button>
</form>
<div class="table-wrap">${mailTable(project, mails)}</div>
${smtpSection(session, smtp, `${base}/smtp`)}`,
  });
}

function mailTable(project: Project, mails: StoredEmail[]): Html {
  if (mails.length === 0) return html`<p>No mails.</p>`;
  return html`<table class="responsive"><caption class="muted">Newest first, at most ${PAGE_SIZE}</caption>
<thead><tr><th scope="col">Status</th><th scope="col">To</th><th scope="col">Subject</th><th scope="col">Created</th>
<th scope="col">Attempts</th><th scope="col">Last error</th></tr></thead>
<tbody>${mails.map(
    (mail) => html`<tr data-email-id="${mail.id}">
  <td data-label="Status">${statusBadge(mail.status)}</td>
  <td data-label="To">${mail.recipient}</td>
  <td data-label="Subject"><a href="${projectPath(project.id, `/emails/${mail.id}`)}">${mail.subject}</a></td>
  <td data-label="Created">${formatDate(mail.createdAt)}</td>
  <td data-label="Attempts">${String(mail.attempts)}</td>
  <td data-label="Last error">${mail.lastError ?? ''}</td></tr>`,
  )}</tbody></table>`;
}

function statusBadge(status: EmailStatus): Html {
  const kind = status === 'sent' || status === 'dev_mailbox' ? 'ok' : status === 'failed' ? 'error' : '';
  return html`<span class="badge ${kind}" data-status="${status}">${STATUS_LABELS[status]}</span>`;
}

function mailPage(session: DashboardSession, project: Project, mail: StoredEmail): Html {
  return page({
    title: `${mail.subject} · E-mails · ${project.displayName}`,
    session,
    project,
    tab: 'emails',
    body: html`<p><a href="${projectPath(project.id, '/emails')}">All e-mails</a></p>
<h1>${mail.subject}</h1>
<dl class="mail-fields">
  <dt>To</dt><dd>${mail.recipient}</dd>
  <dt>From</dt><dd>${mail.sender ?? (mail.status === 'dev_mailbox' ? '(kept in the development mailbox)' : '(not sent yet)')}</dd>
  <dt>Status</dt><dd>${statusBadge(mail.status)}</dd>
  <dt>Template</dt><dd><code>${mail.template}</code></dd>
  <dt>Created</dt><dd>${formatDate(mail.createdAt)}</dd>
  <dt>Sent</dt><dd>${formatDate(mail.sentAt)}</dd>
  <dt>Attempts</dt><dd>${String(mail.attempts)}${mail.status === 'queued' ? html` (next ${formatDate(mail.nextAttemptAt)})` : ''}</dd>
  ${mail.lastError ? html`<dt>Last error</dt><dd data-last-error>${mail.lastError}</dd>` : ''}
  <dt>Message-ID</dt><dd><code>${mail.messageId}</code></dd>
</dl>
<section class="card" aria-labelledby="mail-text-title"><h2 id="mail-text-title">Text</h2>${mailText(mail.text)}</section>
<details><summary>HTML part (source)</summary><pre data-mail-html>${mail.html}</pre></details>`,
  });
}
