/**
 * The mail queue (authsync.emails). A flow that sends a mail (a verification code, a password reset, a magic link)
 * calls `enqueueEmail` inside its own transaction: the mail is rendered and written there, so it exists exactly when
 * the code it carries does, and a crash before commit leaves neither. The worker (worker.ts) sends it after commit,
 * woken by a NOTIFY delivered at commit.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context/app-context.js';
import type { Queryable } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { DEFAULT_TEMPLATES, renderTemplate, type EmailTemplate, type EmailTemplateType } from './templates.js';

export type { EmailTemplateType } from './templates.js';

export interface QueuedEmail {
  projectId: string;
  /** The recipient's address. */
  to: string;
  template: EmailTemplateType;
  /**
   * The template's own values: email_verification {emailVerificationLink}; password_reset {passwordResetLink};
   * magic_link {magicLink, otp}; team_invitation {teamDisplayName, teamInvitationLink}; sign_in_invitation
   * {signInInvitationLink, teamDisplayName}.
   */
  variables: Record<string, string>;
  user: { id: string; display_name: string | null } | null;
}

/** Renders the project's template and writes the mail to the queue in the caller's transaction; the worker sends it after commit. */
export async function enqueueEmail(ctx: AppContext, tx: Queryable, mail: QueuedEmail): Promise<{ id: string }> {
  const to = mail.to.trim();
  // The address goes into an SMTP envelope and a header: nothing that could end a line or add a recipient.
  if (!to || to.length > 320 || /[\r\n,;<>\s]/.test(to) || !to.includes('@'))
    throw new AppError('EMAIL_RECIPIENT_INVALID', 400, 'The recipient address is not a single valid e-mail address.');
  const project = await tx.query<{ display_name: string }>('SELECT display_name FROM authsync.projects WHERE id = $1', [mail.projectId]);
  if (project.rowCount === 0) throw new AppError('PROJECT_NOT_FOUND', 404, `No project has the ID ${mail.projectId}.`);
  const template = await loadTemplate(tx, mail.projectId, mail.template);
  const rendered = renderTemplate(
    template,
    { projectDisplayName: project.rows[0]!.display_name, userDisplayName: mail.user?.display_name ?? null },
    mail.variables,
  );
  const id = randomUUID();
  await tx.query(
    `INSERT INTO authsync.emails (id, project_id, user_id, recipient, template, subject, text_body, html_body, message_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [id, mail.projectId, mail.user?.id ?? null, to, mail.template, rendered.subject, rendered.text, rendered.html, messageIdFor(ctx, id)],
  );
  await tx.notify('emails', mail.projectId);
  return { id };
}

/** The project's override of a template, each part it leaves out taken from the default. */
export async function loadTemplate(db: Queryable, projectId: string, type: EmailTemplateType): Promise<EmailTemplate> {
  const fallback = DEFAULT_TEMPLATES[type];
  const { rows } = await db.query<{ subject: string | null; text_body: string | null; html_body: string | null }>(
    'SELECT subject, text_body, html_body FROM authsync.email_templates WHERE project_id = $1 AND template = $2',
    [projectId, type],
  );
  const override = rows[0];
  return {
    subject: override?.subject ?? fallback.subject,
    text: override?.text_body ?? fallback.text,
    html: override?.html_body ?? fallback.html,
  };
}

/** `<row ID@base URL's host>`: one Message-ID per queue row, the same on every attempt. */
function messageIdFor(ctx: AppContext, id: string): string {
  let host = 'authsync.invalid';
  try {
    host = new URL(ctx.config.baseUrl).hostname.replace(/^\[|\]$/g, '') || host;
  } catch {
    // keep the fallback
  }
  return `<${id}@${host}>`;
}
