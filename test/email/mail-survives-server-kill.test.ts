/**
 * A queued mail survives the death of the server: a real `authsync start` process on PostgreSQL queues a verification
 * mail while its SMTP server is down, is killed with SIGKILL while the mail waits for its next attempt, and after a
 * restart (the SMTP server now up) the mail arrives, once, with a code that verifies the address.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../cli/run-cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { linkCode, startSmtpSink, type SmtpSink } from '../helpers/mail.js';
import { PASSWORD, uniqueEmail } from '../api/support.js';
import { closedPort, instanceSmtpEnv } from './support.js';

const CALLBACK = 'http://localhost:3000/handler/email-verification';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Row {
  status: string;
  attempts: number;
  last_error: string | null;
}

describe('a queued mail and a killed server', () => {
  let database: TestDatabase;
  let dataDir: string;
  let sink: SmtpSink | undefined;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-email-kill-'));
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await sink?.stop();
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function rowOf(email: string): Promise<Row | undefined> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<Row>('SELECT status, attempts, last_error FROM authsync.emails WHERE recipient = $1', [email]);
      return rows[0];
    } finally {
      await client.end();
    }
  }

  async function waitForRowOf(email: string, done: (row: Row) => boolean): Promise<Row> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const row = await rowOf(email);
      if (row && done(row)) return row;
      if (Date.now() > deadline) throw new Error(`The mail to ${email} is ${JSON.stringify(row)}.`);
      await sleep(50);
    }
  }

  // Each CLI process compiles the sources on start (a few seconds on a busy machine).
  it('is delivered after a restart', { timeout: 240_000 }, async () => {
    const port = await closedPort();
    // One attempt every 3 s: after the first failed attempt there is time to kill the server between two attempts.
    const env = {
      DATABASE_URL: database.url,
      ...instanceSmtpEnv(port, {
        AUTHSYNC_EMAIL_RETRY_BASE_MS: '3000',
        AUTHSYNC_EMAIL_RETRY_MAX_MS: '3000',
        AUTHSYNC_EMAIL_POLL_MS: '500',
      }),
    };
    const first = await startCli(['--data-dir', dataDir], env);
    children.push(first.child);
    while (!first.result.output().includes('Dashboard:')) await sleep(50);
    const output = first.result.output();
    const projectId = /Project ID\s+(\S+)/.exec(output)![1]!;
    const publishable = /Publishable client key\s+(\S+)/.exec(output)![1]!;
    const headers = {
      'x-stack-access-type': 'client',
      'x-stack-project-id': projectId,
      'x-stack-publishable-client-key': publishable,
      'content-type': 'application/json',
    };

    const email = uniqueEmail('killed');
    const signUp = await fetch(`${first.url}/api/v1/auth/password/sign-up`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ email, password: PASSWORD, verification_callback_url: CALLBACK }),
    });
    expect(signUp.status, await signUp.text()).toBe(200);
    const tried = await waitForRowOf(email, (row) => row.attempts >= 1 && row.last_error !== null);
    first.child.kill('SIGKILL');
    expect((await first.result).signal).toBe('SIGKILL');
    expect(tried.status).toBe('queued');
    expect(await rowOf(email)).toMatchObject({ status: 'queued', attempts: 1 });

    sink = await startSmtpSink({ port });
    const restarted = await startCli(['--data-dir', dataDir], env);
    children.push(restarted.child);
    const message = await sink.waitFor((m) => m.to.includes(email), 60_000);
    expect(message.subject).toMatch(/^Verify your email at /);
    await waitForRowOf(email, (row) => row.status === 'sent');
    await sleep(1_500);
    expect(sink.messages.filter((m) => m.to.includes(email))).toHaveLength(1);

    const verified = await fetch(`${restarted.url}/api/v1/contact-channels/verify`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ code: linkCode(message.text, CALLBACK) }),
    });
    expect(verified.status, await verified.text()).toBe(200);
    restarted.child.kill('SIGTERM');
    expect((await restarted.result).code).toBe(0);
  });
});
