/**
 * The mail worker inside `authsync start`. It wakes on the `emails` NOTIFY that enqueueEmail sends (delivered at
 * commit), on a safety poll, and when the next retry falls due. Each pass claims due rows in one statement
 * (`FOR UPDATE SKIP LOCKED`, then a lease in `locked_until`), so servers sharing the database never take the same
 * row; sends them; and records the outcome: `sent`, a retry at an exponentially later time with the SMTP answer, or
 * `failed` after the last attempt (or a final 5xx for the recipient). With no SMTP server configured for the
 * project or the instance, a mail is kept as delivered to the development mailbox and its links are logged.
 *
 * Guarantees (docs/email.md, "Delivery guarantees"): a mail waits in the queue for as long as SMTP is down; a row is
 * sent by one server at a time and never again once it is marked sent. A server that dies after the SMTP server
 * accepted a mail and before it recorded that leaves the row leased; another server retries it once the lease ends,
 * with the same Message-ID, so that one crash window can deliver a mail twice, never lose it.
 */
import type { AppContext } from '../context/app-context.js';
import { smtpServerFor } from './smtp-settings.js';
import { isSendFailure, sendMail, SMTP_TIMEOUT_MS } from './transport.js';

/** How long a claimed row is this server's: well above one attempt's longest run (three SMTP timeouts). */
const LEASE_MS = 10 * SMTP_TIMEOUT_MS;
const BATCH = 10;

interface ClaimedRow {
  id: string;
  project_id: string;
  project_name: string;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string;
  message_id: string;
  attempts: number;
}

export class EmailWorker {
  private unlisten: (() => Promise<void>) | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private dueTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private again = false;
  /** Mails handed to an SMTP server since start (tests and diagnostics). */
  sent = 0;

  constructor(private readonly ctx: AppContext) {}

  async start(): Promise<void> {
    this.unlisten = await this.ctx.db.listen('emails', () => this.wake());
    this.pollTimer = setInterval(() => this.wake(), this.ctx.config.emailPollMs);
    this.pollTimer.unref();
    this.wake();
  }

  /** Stops taking rows and waits for the attempts under way to be recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.dueTimer) clearTimeout(this.dueTimer);
    await this.unlisten?.().catch(() => undefined);
    await this.running?.catch(() => undefined);
  }

  /** Runs a pass now, or once more after the one under way (wake-ups are coalesced). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.passes().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves when no pass is running (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
  }

  private async passes(): Promise<void> {
    do {
      this.again = false;
      try {
        while (!this.stopped && (await this.pass()) > 0);
        if (!this.stopped) await this.scheduleNextDue();
      } catch (err) {
        this.ctx.log.warn({ err }, 'e-mail worker: a pass failed');
      }
    } while (this.again && !this.stopped);
  }

  /** Claims and handles one batch; returns how many rows it took. */
  private async pass(): Promise<number> {
    const { rows } = await this.ctx.db.query<ClaimedRow>(
      `UPDATE authsync.emails e SET locked_until = now() + make_interval(secs => $1), attempts = e.attempts + 1
       WHERE e.id IN (
         SELECT id FROM authsync.emails
         WHERE status = 'queued' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now())
         ORDER BY next_attempt_at, created_at LIMIT $2
         FOR UPDATE SKIP LOCKED)
       RETURNING e.id, e.project_id, e.recipient, e.subject, e.text_body, e.html_body, e.message_id, e.attempts,
         (SELECT display_name FROM authsync.projects p WHERE p.id = e.project_id) AS project_name`,
      [LEASE_MS / 1000, BATCH],
    );
    await Promise.all(rows.map((row) => this.deliver(row)));
    return rows.length;
  }

  private async deliver(row: ClaimedRow): Promise<void> {
    const { db, log, config } = this.ctx;
    let server;
    try {
      server = await smtpServerFor(this.ctx, db, row.project_id);
    } catch (err) {
      // A sealed password that does not open (another server secret): the operator's to fix; the mail waits, counted
      // against its attempts like any other failure.
      await this.retry(row, `Cannot read the project's SMTP settings: ${(err as Error).message}`, row.attempts >= config.emailMaxAttempts);
      return;
    }
    if (!server) {
      await db.query(
        `UPDATE authsync.emails SET status = 'dev_mailbox', sent_at = now(), locked_until = NULL WHERE id = $1 AND status = 'queued'`,
        [row.id],
      );
      log.info(
        { emailId: row.id, projectId: row.project_id, to: row.recipient, subject: row.subject, links: linksIn(row.text_body) },
        'development mailbox (no SMTP server configured): mail kept, not sent',
      );
      return;
    }
    try {
      const answer = await sendMail(server, {
        to: row.recipient,
        fromName: row.project_name,
        subject: row.subject,
        text: row.text_body,
        html: row.html_body,
        messageId: row.message_id,
      });
      this.sent += 1;
      await db.query(
        `UPDATE authsync.emails SET status = 'sent', sent_at = now(), locked_until = NULL, last_error = NULL, sender = $2
         WHERE id = $1 AND status = 'queued'`,
        [row.id, `${server.senderEmail} via ${server.host}:${server.port}`],
      );
      log.debug({ emailId: row.id, to: row.recipient, answer }, 'e-mail sent');
    } catch (error) {
      const failure = isSendFailure(error) ? error : { message: String(error), permanent: false };
      await this.retry(row, failure.message, failure.permanent || row.attempts >= config.emailMaxAttempts);
    }
  }

  /** Records a failed attempt: a retry after an exponentially growing pause, or `failed` for good. */
  private async retry(row: ClaimedRow, message: string, final: boolean): Promise<void> {
    const { db, log, config } = this.ctx;
    const delayMs = Math.min(config.emailRetryBaseMs * 2 ** Math.max(0, row.attempts - 1), config.emailRetryMaxMs);
    await db.query(
      `UPDATE authsync.emails SET status = CASE WHEN $3 THEN 'failed' ELSE 'queued' END, last_error = $2, locked_until = NULL,
         next_attempt_at = now() + make_interval(secs => $4)
       WHERE id = $1 AND status = 'queued'`,
      [row.id, message, final, delayMs / 1000],
    );
    log[final ? 'error' : 'warn'](
      { emailId: row.id, to: row.recipient, attempts: row.attempts, error: message, ...(final ? {} : { retryInMs: delayMs }) },
      final ? 'e-mail failed for good' : 'e-mail not sent; will retry',
    );
  }

  /** Wakes again when the earliest retry falls due, if that comes before the next poll. */
  private async scheduleNextDue(): Promise<void> {
    const { rows } = await this.ctx.db.query<{ wait_ms: number | null }>(
      `SELECT ceil(extract(epoch FROM (min(greatest(next_attempt_at, coalesce(locked_until, next_attempt_at))) - now())) * 1000)::float8 AS wait_ms
       FROM authsync.emails WHERE status = 'queued'`,
    );
    const waitMs = rows[0]?.wait_ms;
    if (waitMs === null || waitMs === undefined || waitMs >= this.ctx.config.emailPollMs || this.stopped) return;
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimer = setTimeout(() => this.wake(), Math.max(0, waitMs) + 5);
    this.dueTimer.unref();
  }
}

/** The links of a mail's text part, for the development mailbox's log line. */
export function linksIn(text: string): string[] {
  return [...text.matchAll(/https?:\/\/[^\s"'<>]+/g)].map((m) => m[0]);
}
