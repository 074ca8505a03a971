/**
 * With no SMTP server configured (the default), a mail is kept in the database with status `dev_mailbox`, and its
 * link is written to the server log at info level, so a newcomer can follow it with no mail server. On both stores.
 */
import { pino } from 'pino';
import { expect, it, vi } from 'vitest';
import type { Logger } from 'pino';
import { linkCode, waitForMail } from '../helpers/mail.js';
import { api, describeOnEachStore } from '../helpers/server.js';
import { PASSWORD, uniqueEmail } from '../api/support.js';
import { waitForRow } from './support.js';

const CALLBACK = 'http://localhost:3000/handler/email-verification';

interface LogLine {
  level: number;
  msg: string;
  to?: string;
  subject?: string;
  links?: string[];
  emailId?: string;
}

describeOnEachStore('the development mailbox on %s', (t) => {
  it('keeps the mail with status dev_mailbox and logs its link at info level', async () => {
    const lines: LogLine[] = [];
    const original: Logger = t.server.ctx.log;
    t.server.ctx.log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
    try {
      const email = uniqueEmail('devbox');
      const res = await api(t, 'POST', '/auth/password/sign-up', {
        body: { email, password: PASSWORD, verification_callback_url: CALLBACK },
      });
      expect(res.status, res.text).toBe(200);
      const mail = await waitForMail(t, email);
      const row = await waitForRow(t, mail.id, (r) => r.status !== 'queued');
      expect(row).toMatchObject({ status: 'dev_mailbox', attempts: 1, lastError: null, sender: null });
      expect(row.sentAt).toBeInstanceOf(Date);

      const code = linkCode(mail.text, CALLBACK);
      // The worker logs right after it marks the row; on PostgreSQL the test's own read can see the row first.
      const logged = await vi.waitFor(
        () => {
          const found = lines.filter((line) => line.emailId === mail.id);
          expect(found.length).toBeGreaterThan(0);
          return found;
        },
        { timeout: 5000, interval: 20 },
      );
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({
        level: 30,
        to: email,
        subject: 'Verify your email at Test project',
        links: [`${CALLBACK}?code=${code}`],
      });
      expect(logged[0]!.msg).toMatch(/development mailbox/);

      // The logged link is the working one.
      const verified = await api(t, 'POST', '/contact-channels/verify', {
        body: { code: new URL(logged[0]!.links![0]!).searchParams.get('code') },
      });
      expect(verified.status, verified.text).toBe(200);
    } finally {
      t.server.ctx.log = original;
    }
  });
});
