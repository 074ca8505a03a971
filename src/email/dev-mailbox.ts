/**
 * The development mailbox read as Inbucket's REST API (version 1) shows a mailbox, so test suites written for Stack
 * Auth can read authsync's mail as they read Inbucket's. A mailbox is named by the local part of an address,
 * lower-cased, without a `+tag` (Inbucket's default naming): `Mailbox-1+x@example.com` is in mailbox `mailbox-1`.
 * It holds every delivered mail of every project (kept in the development mailbox, or accepted by an SMTP server)
 * whose recipient it names, oldest first. The HTTP side is api/dev-mailbox.ts; it is served only when the instance
 * enables it.
 */
import type { AppContext } from '../context/app-context.js';
import { instanceSender } from './smtp-settings.js';

/** One mail in a mailbox listing (Inbucket's `JSONMessageHeaderV1`). */
export interface MailboxEntry {
  mailbox: string;
  id: string;
  from: string;
  to: string[];
  subject: string;
  date: string;
  'posix-millis': number;
  size: number;
  seen: boolean;
}

/** One mail with its header and parts (Inbucket's `JSONMessageV1`). */
export interface MailboxMessage extends MailboxEntry {
  header: Record<string, string[]>;
  body: { text: string; html: string };
  attachments: never[];
}

/** The newest mails a listing shows (Inbucket also caps a mailbox, at 500 by default). */
const MAILBOX_CAP = 500;

/**
 * The mailbox an address or a mailbox name belongs to; `undefined` when there is no local part to name one.
 * `User+tag@Example.com`, `User+tag` and `user` all name `user`.
 */
export function mailboxName(addressOrName: string): string | undefined {
  const trimmed = addressOrName.trim();
  const at = trimmed.lastIndexOf('@');
  const local = (at === -1 ? trimmed : trimmed.slice(0, at)).toLowerCase();
  const name = local.split('+')[0]!;
  if (name.length === 0 || name.length > 254 || /[\s\0]/.test(name)) return undefined;
  return name;
}

interface MailRow {
  id: string;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string;
  message_id: string;
  status: string;
  sender: string | null;
  project_name: string;
  delivered_at: Date;
}

// A mailbox's rows, matched in SQL with the same naming as mailboxName (last `@`, lower case, cut at the first `+`).
const MAILBOX_ROWS = `
  SELECT e.id, e.recipient, e.subject, e.text_body, e.html_body, e.message_id, e.status, e.sender,
    p.display_name AS project_name, coalesce(e.sent_at, e.created_at) AS delivered_at
  FROM authsync.emails e JOIN authsync.projects p ON p.id = e.project_id
  WHERE e.status IN ('dev_mailbox', 'sent')
    AND split_part(regexp_replace(lower(e.recipient), '@[^@]*$', ''), '+', 1) = $1`;

/** The mails of mailbox `name` (a mailbox name or an address), oldest first; `[]` when there are none. */
export async function listMailbox(ctx: AppContext, name: string): Promise<MailboxEntry[]> {
  const mailbox = mailboxName(name);
  if (mailbox === undefined) return [];
  const { rows } = await ctx.db.query<MailRow>(
    `SELECT * FROM (${MAILBOX_ROWS} ORDER BY delivered_at DESC, e.id DESC LIMIT ${MAILBOX_CAP}) newest
     ORDER BY delivered_at, id`,
    [mailbox],
  );
  return rows.map((row) => entryOf(ctx, mailbox, row));
}

/** One mail of mailbox `name`, or `undefined` when that mailbox has no mail with this ID. */
export async function readMailboxMessage(ctx: AppContext, name: string, id: string): Promise<MailboxMessage | undefined> {
  const mailbox = mailboxName(name);
  if (mailbox === undefined || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  const { rows } = await ctx.db.query<MailRow>(`${MAILBOX_ROWS} AND e.id = $2`, [mailbox, id.toLowerCase()]);
  const row = rows[0];
  if (!row) return undefined;
  const entry = entryOf(ctx, mailbox, row);
  return {
    ...entry,
    // Header names in Go's canonical form, as Inbucket shows them.
    header: {
      Date: [new Date(row.delivered_at).toUTCString().replace('GMT', '+0000')],
      From: [entry.from],
      'Message-Id': [row.message_id],
      'Mime-Version': ['1.0'],
      Subject: [row.subject],
      To: [row.recipient],
    },
    body: { text: row.text_body, html: row.html_body },
    attachments: [],
  };
}

function entryOf(ctx: AppContext, mailbox: string, row: MailRow): MailboxEntry {
  const date = new Date(row.delivered_at);
  return {
    mailbox,
    id: row.id,
    from: `${row.project_name} <${senderAddress(ctx, row)}>`,
    to: [`<${row.recipient}>`],
    subject: row.subject,
    date: date.toISOString(),
    'posix-millis': date.getTime(),
    // The size of the parts as sent (Inbucket counts the raw message; clients use it only for display).
    size: Buffer.byteLength(row.subject) + Buffer.byteLength(row.text_body) + Buffer.byteLength(row.html_body),
    seen: false,
  };
}

/** The From address: the one the SMTP server got (the `sender` column reads `address via host:port`), else the instance's default. */
function senderAddress(ctx: AppContext, row: MailRow): string {
  return row.sender ? row.sender.split(' ')[0]! : instanceSender(ctx.config).email;
}
