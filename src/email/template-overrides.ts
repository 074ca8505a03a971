/**
 * A project's own wording of a mail (`authsync.email_templates`): any of the subject, the plain-text part and the
 * HTML part of one of Stack's template types; the parts it leaves out stay the default's. The same `{{name}}`
 * placeholders as the defaults (docs/email.md, "Templates"), filled by the one renderer, which escapes every value
 * in the HTML part. A part that would lose the mail's link is refused: a verification mail without its link verifies
 * nothing.
 */
import type { Queryable } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { loadTemplate } from './outbox.js';
import { EMAIL_TEMPLATE_TYPES, TEMPLATE_LINK_VARIABLE, type EmailTemplate, type EmailTemplateType } from './templates.js';

/** Largest text of one part, bytes. */
const MAX_PART_BYTES = 100_000;

export interface TemplateOverrideInput {
  subject?: string;
  text?: string;
  html?: string;
}

export interface TemplateView extends EmailTemplate {
  type: EmailTemplateType;
  /** Which parts are the project's own. */
  overridden: { subject: boolean; text: boolean; html: boolean };
}

function templateInputError(message: string): AppError {
  return new AppError('EMAIL_TEMPLATE_INPUT', 400, message);
}

export function parseTemplateType(value: string): EmailTemplateType {
  if (!(EMAIL_TEMPLATE_TYPES as readonly string[]).includes(value))
    throw templateInputError(`The template type must be one of ${EMAIL_TEMPLATE_TYPES.join(', ')}.`);
  return value as EmailTemplateType;
}

function checkInput(type: EmailTemplateType, input: TemplateOverrideInput): void {
  if (input.subject === undefined && input.text === undefined && input.html === undefined)
    throw templateInputError('Give at least one of the subject, the text part and the HTML part.');
  for (const [part, value] of Object.entries(input) as Array<[string, string | undefined]>) {
    if (value === undefined) continue;
    if (!value.trim()) throw templateInputError(`The ${part} must not be empty.`);
    if (Buffer.byteLength(value) > MAX_PART_BYTES) throw templateInputError(`The ${part} is longer than ${MAX_PART_BYTES} bytes.`);
  }
  if (input.subject !== undefined && (/[\r\n]/.test(input.subject) || input.subject.length > 500))
    throw templateInputError('The subject must be one line of at most 500 characters.');
  const link = TEMPLATE_LINK_VARIABLE[type];
  const placeholder = new RegExp(`\\{\\{\\s*${link}\\s*\\}\\}`);
  for (const part of ['text', 'html'] as const) {
    const value = input[part];
    if (value !== undefined && !placeholder.test(value))
      throw templateInputError(`The ${part} part of ${type} must contain {{${link}}}: without it the mail's link is lost.`);
  }
}

/** Stores the given parts of the project's template (the other parts keep what they had). */
export async function setTemplateOverride(db: Queryable, projectId: string, type: EmailTemplateType, input: TemplateOverrideInput) {
  checkInput(type, input);
  await db.query(
    `INSERT INTO authsync.email_templates (project_id, template, subject, text_body, html_body) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (project_id, template) DO UPDATE SET
       subject = coalesce(EXCLUDED.subject, authsync.email_templates.subject),
       text_body = coalesce(EXCLUDED.text_body, authsync.email_templates.text_body),
       html_body = coalesce(EXCLUDED.html_body, authsync.email_templates.html_body),
       updated_at = now()`,
    [projectId, type, input.subject ?? null, input.text ?? null, input.html ?? null],
  );
  return showTemplate(db, projectId, type);
}

/** Back to the default wording; false when the project had none of its own. */
export async function removeTemplateOverride(db: Queryable, projectId: string, type: EmailTemplateType): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM authsync.email_templates WHERE project_id = $1 AND template = $2', [projectId, type]);
  return (rowCount ?? 0) > 0;
}

/** The template the project's mails of this type are rendered from, and which parts are its own. */
export async function showTemplate(db: Queryable, projectId: string, type: EmailTemplateType): Promise<TemplateView> {
  const template = await loadTemplate(db, projectId, type);
  const { rows } = await db.query<{ subject: string | null; text_body: string | null; html_body: string | null }>(
    'SELECT subject, text_body, html_body FROM authsync.email_templates WHERE project_id = $1 AND template = $2',
    [projectId, type],
  );
  const own = rows[0];
  return {
    type,
    ...template,
    overridden: {
      subject: own?.subject != null,
      text: own?.text_body != null,
      html: own?.html_body != null,
    },
  };
}
