/**
 * Property: servers sharing one PostgreSQL database (behind a load balancer) deliver each queued mail exactly once.
 * Both workers are woken by the same NOTIFY and race for the same rows; the SMTP server counts what arrives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueEmail } from '../../src/email/outbox.js';
import type { RunningServer } from '../../src/server/server.js';
import { startSmtpSink, type SmtpSink } from '../helpers/mail.js';
import { startSecondServer, startTestServer, type TestServer } from '../helpers/server.js';
import { uniqueEmail } from '../api/support.js';
import { instanceSmtpEnv, queueMail, waitForRow } from './support.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('two servers on one PostgreSQL database', () => {
  let sink: SmtpSink;
  let t: TestServer;
  let second: RunningServer;
  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestServer({ mode: 'postgres', env: instanceSmtpEnv(sink.port) });
    second = await startSecondServer(t, { env: instanceSmtpEnv(sink.port) });
  });
  afterAll(async () => {
    await second?.stop();
    await t?.stop();
    await sink?.stop();
  });

  it('deliver each mail exactly once, whether queued in one transaction or many', async () => {
    // 30 mails in one transaction (one wake-up for both workers at commit), then 20 one by one.
    const batch = Array.from({ length: 30 }, () => uniqueEmail('shared'));
    const ids = await t.server.ctx.db.transaction(async (tx) => {
      const out: string[] = [];
      for (const to of batch) {
        const { id } = await enqueueEmail(t.server.ctx, tx, {
          projectId: t.projectId,
          to,
          template: 'password_reset',
          variables: { passwordResetLink: 'http://localhost:3000/handler/password-reset?code=X' },
          user: null,
        });
        out.push(id);
      }
      return out;
    });
    const single = [];
    for (let i = 0; i < 20; i++) single.push(await queueMail(t, 'one-by-one'));
    const all = [...ids, ...single.map((m) => m.id)];
    const recipients = [...batch, ...single.map((m) => m.to)];

    for (const id of all) await waitForRow(t, id, (r) => r.status === 'sent');
    await sleep(1_500);
    await Promise.all([t.server.emails.idle(), second.emails.idle()]);

    expect(sink.messages).toHaveLength(all.length);
    for (const to of recipients)
      expect(
        sink.messages.filter((m) => m.to.includes(to)),
        to,
      ).toHaveLength(1);
    expect(new Set(sink.messages.map((m) => m.messageId)).size).toBe(all.length);
    // Every send is counted by the server that made it: together, one per mail.
    expect(t.server.emails.sent + second.emails.sent).toBe(all.length);
    // Both workers took part (else the test would not have raced them).
    expect(t.server.emails.sent).toBeGreaterThan(0);
    expect(second.emails.sent).toBeGreaterThan(0);
  });
});
