/**
 * When a mail cannot be delivered: a 550 for the recipient marks it failed at once with the SMTP server's answer (no
 * retry), while other mails still go out; a 451 (refused for now) is retried until accepted; a server that stays unreachable is tried AUTHSYNC_EMAIL_MAX_ATTEMPTS times,
 * then the mail is failed with the last error and never tried again. On both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../helpers/mail.js';
import { startTestServer, STORES, type TestServer } from '../helpers/server.js';
import { closedPort, emailRow, instanceSmtpEnv, queueMail, waitForRow } from './support.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(STORES)('SMTP refusals and attempts on %s', (mode) => {
  describe('a 550 for the recipient', () => {
    const tries = new Map<string, number>();
    let sink: SmtpSink;
    let t: TestServer;
    beforeAll(async () => {
      sink = await startSmtpSink({
        reject: (address) => {
          if (address.startsWith('bounce-')) return 'No such mailbox here';
          // Greylisting: the first two tries of a `later-` address are refused for now.
          if (address.startsWith('later-') && (tries.set(address, (tries.get(address) ?? 0) + 1).get(address) ?? 0) <= 2)
            return { code: 451, message: 'Greylisted, try again later' };
          return undefined;
        },
      });
      t = await startTestServer({ mode, env: instanceSmtpEnv(sink.port) });
    });
    afterAll(async () => {
      await t?.stop();
      await sink?.stop();
    });

    it('marks the mail failed with the SMTP answer after one attempt; other mails are delivered', async () => {
      const bounced = await queueMail(t, 'bounce');
      const fine = await queueMail(t, 'fine');
      const row = await waitForRow(t, bounced.id, (r) => r.status !== 'queued');
      expect(row.status).toBe('failed');
      expect(row.attempts).toBe(1);
      expect(row.lastError).toMatch(/^550\b.*No such mailbox here/);
      expect(row.sentAt).toBeNull();
      await waitForRow(t, fine.id, (r) => r.status === 'sent');

      // Never tried again.
      await sleep(1_000);
      await t.server.emails.idle();
      expect((await emailRow(t, bounced.id)).attempts).toBe(1);
      expect(sink.messages.filter((m) => m.to.includes(bounced.to))).toEqual([]);
      expect(sink.messages.filter((m) => m.to.includes(fine.to))).toHaveLength(1);
    });

    it('retries a mail refused for now (451) and delivers it once accepted', async () => {
      const later = await queueMail(t, 'later');
      const row = await waitForRow(t, later.id, (r) => r.status !== 'queued');
      expect(row).toMatchObject({ status: 'sent', attempts: 3, lastError: null });
      expect(tries.get(later.to)).toBe(3);
      expect(sink.messages.filter((m) => m.to.includes(later.to))).toHaveLength(1);
    });
  });

  describe('an SMTP server that stays down', () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer({ mode, env: instanceSmtpEnv(await closedPort(), { AUTHSYNC_EMAIL_MAX_ATTEMPTS: '3' }) });
    });
    afterAll(async () => {
      await t?.stop();
    });

    it('is tried AUTHSYNC_EMAIL_MAX_ATTEMPTS times, then the mail is failed with the last error', async () => {
      const mail = await queueMail(t, 'unreachable');
      const row = await waitForRow(t, mail.id, (r) => r.status !== 'queued');
      expect(row.status).toBe('failed');
      expect(row.attempts).toBe(3);
      expect(row.lastError).toMatch(/ECONNREFUSED|connect/i);
      // Retries were spaced by the backoff (100 ms, then 200 ms): not all at once.
      expect(Date.now() - row.createdAt.getTime()).toBeGreaterThanOrEqual(300);

      await sleep(1_000);
      await t.server.emails.idle();
      expect(await emailRow(t, mail.id)).toMatchObject({ status: 'failed', attempts: 3 });
    });
  });
});
