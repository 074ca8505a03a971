/** Reading the mail queue and its history: the CLI's `emails list`, the dashboard's E-mails page, the development mailbox. */
import type { Queryable } from '../db/database.js';

export type EmailStatus = 'queued' | 'sent' | 'failed' | 'dev_mailbox';

export const EMAIL_STATUSES: readonly EmailStatus[] = ['queued', 'sent', 'failed', 'dev_mailbox'];

export interface StoredEmail {
  id: string;
  projectId: string;
  userId: string | null;
  recipient: string;
  template: string;
  subject: string;
  text: string;
  html: string;
  status: EmailStatus;
  attempts: number;
  nextAttemptAt: Date;
  /** The last SMTP answer or connection error (of a retried or failed mail). */
  lastError: string | null;
  sender: string | null;
  messageId: string;
  createdAt: Date;
  sentAt: Date | null;
}

interface EmailRow {
  id: string;
  project_id: string;
  user_id: string | null;
  recipient: string;
  template: string;
  subject: string;
  text_body: string;
  html_body: string;
  status: EmailStatus;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  sender: string | null;
  message_id: string;
  created_at: Date;
  sent_at: Date | null;
}

const COLUMNS = `id, project_id, user_id, recipient, template, subject, text_body, html_body, status, attempts, next_attempt_at,
  last_error, sender, message_id, created_at, sent_at`;

export interface EmailFilter {
  projectId?: string;
  /** Exact address, compared case-insensitively. */
  recipient?: string;
  status?: EmailStatus;
  /** @default 50 */
  limit?: number;
}

/** Mails, newest first. */
export async function listEmails(db: Queryable, filter: EmailFilter = {}): Promise<StoredEmail[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.projectId !== undefined) where.push(`project_id = $${params.push(filter.projectId)}`);
  if (filter.recipient !== undefined) where.push(`lower(recipient) = lower($${params.push(filter.recipient)})`);
  if (filter.status !== undefined) where.push(`status = $${params.push(filter.status)}`);
  const limit = Math.max(1, Math.min(filter.limit ?? 50, 1000));
  const { rows } = await db.query<EmailRow>(
    `SELECT ${COLUMNS} FROM authsync.emails ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
    params,
  );
  return rows.map(fromRow);
}

export async function getEmail(db: Queryable, id: string): Promise<StoredEmail | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const { rows } = await db.query<EmailRow>(`SELECT ${COLUMNS} FROM authsync.emails WHERE id = $1`, [id]);
  return rows[0] ? fromRow(rows[0]) : undefined;
}

function fromRow(row: EmailRow): StoredEmail {
  return {
    id: row.id,
    projectId: row.project_id,
    userId: row.user_id,
    recipient: row.recipient,
    template: row.template,
    subject: row.subject,
    text: row.text_body,
    html: row.html_body,
    status: row.status,
    attempts: Number(row.attempts),
    nextAttemptAt: new Date(row.next_attempt_at),
    lastError: row.last_error,
    sender: row.sender,
    messageId: row.message_id,
    createdAt: new Date(row.created_at),
    sentAt: row.sent_at ? new Date(row.sent_at) : null,
  };
}
