/**
 * The development mailbox's Inbucket-compatible read API (spec §2.9): off unless AUTHSYNC_DEV_MAILBOX=true; on, a
 * Stack-style test signs up through the SDK (@stackframe/js 2.8.108) with an e2e-style address, polls the mailbox as
 * Stack's e2e `Mailbox` helper does, reads the verification mail and verifies with its code. Also: Inbucket's JSON
 * shapes, mailbox naming (lower case, no `+tag`, name or address), every project's mail, and 404s. On both stores.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as sdk from 'stack-js-28108';
import { enqueueEmail } from '../../src/email/outbox.js';
import { createProject } from '../../src/projects/projects.js';
import type { MailboxEntry } from '../../src/email/dev-mailbox.js';
import { api, describeOnEachStore, useTestServer, type TestServer } from '../helpers/server.js';
import { PASSWORD } from '../api/support.js';
import { waitForRow } from './support.js';

const CALLBACK = 'http://localhost:3000/handler/email-verification';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Message extends MailboxEntry {
  header: Record<string, string[]>;
  body: { text: string; html: string };
  attachments: unknown[];
}

const mailboxUrl = (t: TestServer, name: string) => `${t.url}/dev-mailbox/api/v1/mailbox/${encodeURIComponent(name)}`;

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return (await res.json()) as T;
}

/** As Stack's e2e helper reads mail: list the mailbox (30 × 500 ms at most), then fetch each message. */
async function waitForMessages(t: TestServer, name: string, subject: string): Promise<Message[]> {
  for (let i = 0; i < 30; i++) {
    const list = await getJson<MailboxEntry[]>(mailboxUrl(t, name));
    const matching = list.filter((entry) => entry.subject.includes(subject));
    if (matching.length > 0) return Promise.all(matching.map((entry) => getJson<Message>(`${mailboxUrl(t, name)}/${entry.id}`)));
    await sleep(500);
  }
  throw new Error(`No "${subject}" mail in mailbox ${name}.`);
}

describe('the dev mailbox API when not enabled', () => {
  const t = useTestServer({ mode: 'pglite' });

  it('is 404, also for a mailbox that has mail', async () => {
    const email = `off-${randomUUID()}@example.com`;
    const res = await api(t, 'POST', '/auth/password/sign-up', {
      body: { email, password: PASSWORD, verification_callback_url: CALLBACK },
    });
    expect(res.status, res.text).toBe(200);
    const { rows } = await t.server.ctx.db.query<{ id: string }>('SELECT id FROM authsync.emails WHERE recipient = $1', [email]);
    await waitForRow(t, rows[0]!.id, (r) => r.status === 'dev_mailbox');
    for (const path of [email.split('@')[0]!, `${email.split('@')[0]!}/${rows[0]!.id}`]) {
      const off = await fetch(`${t.url}/dev-mailbox/api/v1/mailbox/${path}`);
      expect(off.status, path).toBe(404);
      expect(await off.text()).not.toContain(email);
    }
  });
});

describeOnEachStore('the dev mailbox API on %s', { env: { AUTHSYNC_DEV_MAILBOX: 'true' } }, (t) => {
  it('serves the verification mail of an SDK sign-up to a Stack-style test', async () => {
    const name = `mailbox-1--${randomUUID()}`;
    const email = `${name}@stack-generated.example.com`;
    const app = new sdk.StackClientApp({
      projectId: t.projectId,
      publishableClientKey: t.keys.publishableClientKey,
      baseUrl: t.url,
      tokenStore: 'memory',
      urls: { emailVerification: CALLBACK },
    });
    const signedUp = await app.signUpWithCredential({ email, password: PASSWORD, noRedirect: true, verificationCallbackUrl: CALLBACK });
    expect(signedUp.status).toBe('ok');

    const [message, ...others] = await waitForMessages(t, name, 'Verify your email');
    expect(others).toEqual([]);
    const code = new RegExp(`${CALLBACK.replace(/[.?/]/g, '\\$&')}\\?code=([a-zA-Z0-9]+)`).exec(message!.body.text)?.[1];
    expect(code).toBeDefined();
    expect(message!.body.html).toContain(code);
    expect((await app.verifyEmail(code!)).status).toBe('ok');
    expect((await app.getUser({ or: 'throw' })).primaryEmailVerified).toBe(true);
  });

  it("answers in Inbucket's shapes", async () => {
    const name = `shape-${randomUUID()}`;
    const email = `${name}@example.com`;
    const res = await api(t, 'POST', '/auth/password/sign-up', {
      body: { email, password: PASSWORD, verification_callback_url: CALLBACK },
    });
    expect(res.status, res.text).toBe(200);
    const [message] = await waitForMessages(t, name, 'Verify');
    const list = await getJson<MailboxEntry[]>(mailboxUrl(t, name));
    expect(list).toHaveLength(1);
    const entry = list[0]!;
    expect(Object.keys(entry).sort()).toEqual(['date', 'from', 'id', 'mailbox', 'posix-millis', 'seen', 'size', 'subject', 'to']);
    expect(entry).toMatchObject({
      mailbox: name,
      from: 'Test project <noreply@127.0.0.1>',
      to: [`<${email}>`],
      subject: 'Verify your email at Test project',
      seen: false,
    });
    expect(new Date(entry.date).getTime()).toBe(entry['posix-millis']);
    expect(Math.abs(entry['posix-millis'] - Date.now())).toBeLessThan(60_000);
    expect(entry.size).toBeGreaterThan(100);

    expect(message).toMatchObject({ ...entry, attachments: [] });
    expect(message!.header).toMatchObject({
      Subject: ['Verify your email at Test project'],
      From: ['Test project <noreply@127.0.0.1>'],
      To: [email],
    });
    expect(message!.header['Message-Id']![0]).toMatch(new RegExp(`^<${entry.id}@127\\.0\\.0\\.1>$`));
    expect(message!.body.text).toContain(`${CALLBACK}?code=`);
    expect(message!.body.html).toContain(`${CALLBACK}?code=`);
  });

  it('names a mailbox by the lower-cased local part without +tag, and holds the mail of every project', async () => {
    const local = `Case.Box-${randomUUID().slice(0, 8)}`;
    const name = local.toLowerCase();
    const other = await createProject(t.server.ctx.db, t.server.ctx.box, { displayName: 'Other project' });
    const queued: string[] = [];
    for (const [projectId, to] of [
      [t.projectId, `${local}+signup@Example.com`],
      [other.project.id, `${name}@another.example`],
    ] as const) {
      const { id } = await t.server.ctx.db.transaction((tx) =>
        enqueueEmail(t.server.ctx, tx, {
          projectId,
          to,
          template: 'password_reset',
          variables: { passwordResetLink: 'http://localhost:3000/handler/password-reset?code=ABC' },
          user: null,
        }),
      );
      await waitForRow(t, id, (r) => r.status === 'dev_mailbox');
      queued.push(id);
    }
    const byName = await getJson<MailboxEntry[]>(mailboxUrl(t, name));
    // Oldest first, as Inbucket lists a mailbox.
    expect(byName.map((e) => e.id)).toEqual(queued);
    expect(byName.map((e) => e.subject)).toEqual(['Reset your password at Test project', 'Reset your password at Other project']);
    expect(byName.every((e) => e.mailbox === name)).toBe(true);
    // The same mailbox by its mixed-case name, by a tagged name and by a whole address.
    for (const alias of [local, `${local}+other`, `${local}@wherever.example`])
      expect(
        (await getJson<MailboxEntry[]>(mailboxUrl(t, alias))).map((e) => e.id),
        alias,
      ).toEqual(queued);
    // Other mailboxes do not show it: a name that only starts the same, and one that only differs after it.
    expect(await getJson<MailboxEntry[]>(mailboxUrl(t, name.slice(0, -1)))).toEqual([]);
    expect(await getJson<MailboxEntry[]>(mailboxUrl(t, `${name}x`))).toEqual([]);
  });

  it('answers 404 for an unknown or foreign message ID and 400 for a name that is no mailbox', async () => {
    const { id } = await t.server.ctx.db.transaction((tx) =>
      enqueueEmail(t.server.ctx, tx, {
        projectId: t.projectId,
        to: `owner-${randomUUID().slice(0, 8)}@example.com`,
        template: 'password_reset',
        variables: { passwordResetLink: 'http://localhost:3000/handler/password-reset?code=ABC' },
        user: null,
      }),
    );
    await waitForRow(t, id, (r) => r.status === 'dev_mailbox');
    for (const path of [`someone-else/${id}`, `someone-else/${randomUUID()}`, 'someone-else/not-an-id', "someone-else/1' OR '1'='1"]) {
      const res = await fetch(`${t.url}/dev-mailbox/api/v1/mailbox/${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain('Reset your password');
    }
    expect(await getJson<MailboxEntry[]>(mailboxUrl(t, 'nobody-has-this-mailbox'))).toEqual([]);
    for (const bad of ['@example.com', '+tag', ' ']) {
      const res = await fetch(mailboxUrl(t, bad));
      expect(res.status, bad).toBe(400);
      expect(await res.text()).toMatch(/mailbox name/);
    }
  });
});
