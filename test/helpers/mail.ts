/**
 * Reading mail in tests.
 *
 * - `waitForMail(t, to)`: the newest mail authsync queued for `to` (any status: the development mailbox keeps every
 *   mail in the database, and with SMTP configured the row still holds what was sent), polled until it appears.
 * - `linkCode(text)`: the `code` query parameter of the first link in a mail's text.
 * - `startSmtpSink()`: a real SMTP server on 127.0.0.1 (smtp-server + mailparser) that keeps what it receives.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { listEmails } from '../../src/email/emails.js';
import type { TestServer } from './server.js';

export interface ReadMail {
  id: string;
  subject: string;
  text: string;
  html: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function subjectMatches(subject: string, wanted: string | RegExp | undefined): boolean {
  if (wanted === undefined) return true;
  return typeof wanted === 'string' ? subject.includes(wanted) : wanted.test(subject);
}

/** The newest mail to `to` (whose subject contains or matches `subject`), waiting up to `timeoutMs` (default 10 s). */
export async function waitForMail(
  t: TestServer,
  to: string,
  options: { subject?: string | RegExp; timeoutMs?: number } = {},
): Promise<ReadMail> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const mails = await listEmails(t.server.ctx.db, { recipient: to, limit: 100 });
    const mail = mails.find((m) => subjectMatches(m.subject, options.subject));
    if (mail) return { id: mail.id, subject: mail.subject, text: mail.text, html: mail.html };
    if (Date.now() > deadline)
      throw new Error(`No mail to ${to}${options.subject ? ` with subject ${String(options.subject)}` : ''} arrived.`);
    await sleep(50);
  }
}

/**
 * The `code` query parameter of the first link in `text` (with `callbackUrl`: the first link that starts with it).
 * Throws when there is none, so a test cannot pass on a mail without a link.
 */
export function linkCode(text: string, callbackUrl?: string): string {
  for (const match of text.matchAll(/https?:\/\/[^\s"'<>]+/g)) {
    const link = match[0];
    if (callbackUrl !== undefined && !link.startsWith(callbackUrl)) continue;
    const code = new URL(link).searchParams.get('code');
    if (code) return code;
  }
  throw new Error(`No link with a code${callbackUrl ? ` to ${callbackUrl}` : ''} in:\n${text}`);
}

export interface SinkMessage {
  /** Envelope recipients. */
  to: string[];
  from: string;
  /** The From header's display name and address. */
  fromHeader: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** The To header's addresses. */
  headerTo: string[];
}

export interface SmtpSink {
  port: number;
  messages: SinkMessage[];
  /** The logins (AUTH) clients used, in order; every login is accepted. */
  logins: Array<{ username: string; password: string }>;
  /** The first message (received so far or later) for which `predicate` holds. */
  waitFor(predicate: (message: SinkMessage) => boolean, timeoutMs?: number): Promise<SinkMessage>;
  stop(): Promise<void>;
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.flatMap((a) => a.value.map((v) => v.address ?? '')).filter(Boolean);
}

/**
 * An SMTP server on 127.0.0.1 that accepts any mail without authentication or TLS. `port`: a free port, or the one
 * given; `reject(address)`: a reason to refuse that recipient with a 550 (or the code given).
 */
export async function startSmtpSink(
  options: { port?: number; reject?: (address: string) => string | { code: number; message: string } | undefined } = {},
): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const logins: SmtpSink['logins'] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      logins.push({ username: auth.username ?? '', password: auth.password ?? '' });
      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      const reason = options.reject?.(address.address);
      if (reason === undefined) return callback();
      const { code, message } = typeof reason === 'string' ? { code: 550, message: reason } : reason;
      return callback(Object.assign(new Error(message), { responseCode: code }));
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          messages.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            fromHeader: { name: parsed.from?.value[0]?.name ?? '', address: parsed.from?.value[0]?.address ?? '' },
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            messageId: parsed.messageId ?? '',
            headerTo: addresses(parsed.to),
          });
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages,
    logins,
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`No matching mail arrived at the SMTP sink (${messages.length} received).`);
        await sleep(50);
      }
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
