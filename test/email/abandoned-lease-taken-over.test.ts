/**
 * A mail claimed by a server that then died (its lease in locked_until still running) is left alone until the lease
 * ends, then taken over and sent once by a live server. The claim is written as the worker writes it; on both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueEmail } from '../../src/email/outbox.js';
import { startSmtpSink, type SmtpSink } from '../helpers/mail.js';
import { startTestServer, STORES, type TestServer } from '../helpers/server.js';
import { uniqueEmail } from '../api/support.js';
import { emailRow, instanceSmtpEnv, waitForRow } from './support.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const LEASE_MS = 2_000;

describe.each(STORES)('an abandoned lease on %s', (mode) => {
  let sink: SmtpSink;
  let t: TestServer;
  beforeAll(async () => {
    sink = await startSmtpSink();
    // A long poll: the take-over must come from the worker's own wake-up when the lease ends.
    t = await startTestServer({ mode, env: instanceSmtpEnv(sink.port, { AUTHSYNC_EMAIL_POLL_MS: '60000' }) });
  });
  afterAll(async () => {
    await t?.stop();
    await sink?.stop();
  });

  it('is waited out, then the mail is sent once', async () => {
    const to = uniqueEmail('leased');
    const { id } = await t.server.ctx.db.transaction(async (tx) => {
      const queued = await enqueueEmail(t.server.ctx, tx, {
        projectId: t.projectId,
        to,
        template: 'password_reset',
        variables: { passwordResetLink: 'http://localhost:3000/handler/password-reset?code=LEASED' },
        user: null,
      });
      // Another server's claim, as the worker makes it; that server never records an outcome.
      await tx.query(`UPDATE authsync.emails SET locked_until = now() + make_interval(secs => $2), attempts = attempts + 1 WHERE id = $1`, [
        queued.id,
        LEASE_MS / 1000,
      ]);
      return queued;
    });
    const claimedAt = Date.now();

    await sleep(LEASE_MS / 2);
    expect(await emailRow(t, id)).toMatchObject({ status: 'queued', attempts: 1 });
    expect(sink.messages.filter((m) => m.to.includes(to))).toEqual([]);

    const row = await waitForRow(t, id, (r) => r.status === 'sent', 15_000);
    expect(Date.now() - claimedAt).toBeGreaterThanOrEqual(LEASE_MS - 200);
    expect(row.attempts).toBe(2);
    await sleep(500);
    expect(sink.messages.filter((m) => m.to.includes(to))).toHaveLength(1);
    expect(sink.messages.find((m) => m.to.includes(to))!.messageId).toBe(row.messageId);
  });
});
