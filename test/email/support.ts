/** Helpers of the delivery tests (test/email/*.test.ts): queueing mails, a port nobody listens on, reading queue rows. */
import net from 'node:net';
import { expect } from 'vitest';
import { getEmail, type StoredEmail } from '../../src/email/emails.js';
import { enqueueEmail } from '../../src/email/outbox.js';
import { uniqueEmail } from '../api/support.js';
import type { TestServer } from '../helpers/server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Environment of an instance SMTP server on 127.0.0.1:`port` without TLS, with quick retries. */
export function instanceSmtpEnv(port: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AUTHSYNC_EMAIL_HOST: '127.0.0.1',
    AUTHSYNC_EMAIL_PORT: String(port),
    AUTHSYNC_EMAIL_TLS: 'none',
    AUTHSYNC_EMAIL_SENDER: 'noreply@authsync.example',
    AUTHSYNC_EMAIL_RETRY_BASE_MS: '100',
    AUTHSYNC_EMAIL_RETRY_MAX_MS: '400',
    AUTHSYNC_EMAIL_POLL_MS: '200',
    ...extra,
  };
}

/** A TCP port on 127.0.0.1 that was free a moment ago and has no listener now (an SMTP server that is down). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Queues a verification mail to a fresh address (as a flow would, in its own transaction); returns its row ID and address. */
export async function queueMail(t: TestServer, prefix = 'mail'): Promise<{ id: string; to: string; link: string }> {
  const to = uniqueEmail(prefix);
  const link = `http://localhost:3000/handler/email-verification?code=${to.split('@')[0]!.replace(/-/g, '')}`;
  const { id } = await t.server.ctx.db.transaction((tx) =>
    enqueueEmail(t.server.ctx, tx, {
      projectId: t.projectId,
      to,
      template: 'email_verification',
      variables: { emailVerificationLink: link },
      user: null,
    }),
  );
  return { id, to, link };
}

export async function emailRow(t: TestServer, id: string): Promise<StoredEmail> {
  const row = await getEmail(t.server.ctx.db, id);
  expect(row, `mail ${id}`).toBeDefined();
  return row!;
}

/** Waits until `done(row)` holds for the mail `id` (up to `timeoutMs`), and returns the row. */
export async function waitForRow(t: TestServer, id: string, done: (row: StoredEmail) => boolean, timeoutMs = 15_000): Promise<StoredEmail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await emailRow(t, id);
    if (done(row)) return row;
    if (Date.now() > deadline) throw new Error(`Mail ${id} stayed ${row.status} (attempts ${row.attempts}, last error ${row.lastError}).`);
    await sleep(50);
  }
}
