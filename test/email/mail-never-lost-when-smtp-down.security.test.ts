/**
 * Property: a mail is never lost while the SMTP server is down, and never sent twice once it is back. With nothing
 * listening on the instance's SMTP port, queued mails stay queued (retried, the connection error in last_error); when
 * an SMTP server starts on that port, every one of them arrives exactly once (counted at the server), each with its
 * row's Message-ID. On both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../helpers/mail.js';
import { startTestServer, STORES, type TestServer } from '../helpers/server.js';
import { closedPort, emailRow, instanceSmtpEnv, queueMail, waitForRow } from './support.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MAILS = 6;

describe.each(STORES)('mail never lost when SMTP is down, on %s', (mode) => {
  let port: number;
  let t: TestServer;
  let sink: SmtpSink | undefined;
  beforeAll(async () => {
    port = await closedPort();
    t = await startTestServer({ mode, env: instanceSmtpEnv(port, { AUTHSYNC_EMAIL_MAX_ATTEMPTS: '100' }) });
  });
  afterAll(async () => {
    await t?.stop();
    await sink?.stop();
  });

  it('keeps every mail queued while SMTP is down and delivers each exactly once when it is back', async () => {
    const queued = [];
    for (let i = 0; i < MAILS; i++) queued.push(await queueMail(t, `outage-${i}`));

    // Down: each mail is tried, fails, and waits for a retry with the connection error recorded.
    for (const mail of queued) {
      const row = await waitForRow(t, mail.id, (r) => r.attempts >= 2);
      expect(row.status).toBe('queued');
      expect(row.lastError).toMatch(/ECONNREFUSED|connect/i);
      expect(row.sentAt).toBeNull();
    }

    sink = await startSmtpSink({ port });
    for (const mail of queued) await waitForRow(t, mail.id, (r) => r.status === 'sent');
    // Let any stray second attempt (a duplicate) arrive before counting.
    await sleep(1_500);
    await t.server.emails.idle();

    expect(sink.messages).toHaveLength(MAILS);
    for (const mail of queued) {
      const received = sink.messages.filter((m) => m.to.includes(mail.to));
      expect(received, mail.to).toHaveLength(1);
      const row = await emailRow(t, mail.id);
      expect(received[0]!.messageId).toBe(row.messageId);
      expect(received[0]!.text).toContain(mail.link);
      expect(row.lastError).toBeNull();
    }
    expect(new Set(sink.messages.map((m) => m.messageId)).size).toBe(MAILS);
  });
});
