/**
 * `authsync emails list|show` and `authsync emails smtp set|show|remove` against the PostgreSQL database of a running
 * server: a sign-up's verification mail listed with its status and shown with its link; the project's SMTP settings
 * stored with the password from standard input, which no command prints.
 */
import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, uniqueEmail } from '../api/support.js';
import { linkCode, waitForMail } from '../helpers/mail.js';
import { api, useTestServer } from '../helpers/server.js';
import { waitForRow } from '../email/support.js';
import { runCli, type CliResult } from './run-cli.js';

const CALLBACK = 'http://localhost:3000/handler/email-verification';
const SMTP_PASSWORD = 'smtp-password-never-printed-7f3a';

/** Runs the CLI with `input` on its standard input. */
function runWithStdin(args: string[], input: string): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...process.env, AUTHSYNC_LOG_LEVEL: 'silent', AUTHSYNC_SECRET: '', DATABASE_URL: '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('emails commands on PostgreSQL', () => {
  const t = useTestServer({ mode: 'postgres' });
  let db: string[];
  let project: string[];
  beforeAll(() => {
    db = ['--database-url', t.databaseUrl!, '--data-dir', t.dataDir];
    project = ['--project', t.projectId, ...db];
  });

  it('lists a sign-up’s verification mail with its status and shows it with its link', async () => {
    const email = uniqueEmail('cli-mail');
    const signUp = await api(t, 'POST', '/auth/password/sign-up', {
      body: { email, password: PASSWORD, verification_callback_url: CALLBACK },
    });
    expect(signUp.status, signUp.text).toBe(200);
    const mail = await waitForMail(t, email);
    await waitForRow(t, mail.id, (row) => row.status === 'dev_mailbox');

    const list = await runCli(['emails', 'list', ...project, '--json']);
    expect(list.code, list.stderr).toBe(0);
    const listed = (JSON.parse(list.stdout) as Array<Record<string, unknown>>).find((m) => m.id === mail.id);
    expect(listed).toMatchObject({
      status: 'dev_mailbox',
      attempts: 1,
      lastError: null,
      recipient: email,
      subject: 'Verify your email at Test project',
      template: 'email_verification',
    });
    expect(Date.parse(listed!.createdAt as string)).not.toBeNaN();
    expect(Date.parse(listed!.sentAt as string)).not.toBeNaN();

    const human = await runCli(['emails', 'list', ...project]);
    expect(human.stdout).toContain(mail.id);
    expect(human.stdout).toMatch(/status\s+dev_mailbox/);

    const none = await runCli(['emails', 'list', ...project, '--status', 'failed', '--json']);
    expect(JSON.parse(none.stdout)).toEqual([]);
    const limited = await runCli(['emails', 'list', ...project, '--status', 'dev_mailbox', '--limit', '1', '--json']);
    expect((JSON.parse(limited.stdout) as unknown[]).length).toBe(1);

    const show = await runCli(['emails', 'show', ...project, '--id', mail.id, '--json']);
    expect(show.code, show.stderr).toBe(0);
    const shown = JSON.parse(show.stdout) as { links: string[]; text: string; html: string };
    const code = linkCode(mail.text, CALLBACK);
    expect(shown.links).toEqual([`${CALLBACK}?code=${code}`]);
    expect(shown.text).toBe(mail.text);
    expect(shown.html).toBe(mail.html);
    const showHuman = await runCli(['emails', 'show', ...project, '--id', mail.id]);
    expect(showHuman.stdout).toContain(`  ${CALLBACK}?code=${code}\n`);
  });

  it('refuses a bad status, limit, mail ID or project with a message and exit code 1', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['emails', 'list', ...project, '--status', 'lost'], /--status must be one of queued, sent, failed, dev_mailbox/],
      [['emails', 'list', ...project, '--limit', '0'], /--limit must be a number from 1 to 1000/],
      [['emails', 'show', ...project, '--id', '00000000-0000-4000-8000-000000000000'], /has no mail 00000000/],
      [['emails', 'list', '--project', '00000000-0000-4000-8000-000000000000', ...db], /No project with the ID/],
    ];
    for (const [args, message] of cases) {
      const res = await runCli(args);
      expect(res.code, args.join(' ')).toBe(1);
      expect(res.stderr).toMatch(message);
      expect(res.stderr).not.toMatch(/internal error/i);
    }
  });

  it('smtp set stores the settings with the password from standard input; no command prints it', async () => {
    const set = await runWithStdin(
      [
        'emails',
        'smtp',
        'set',
        ...project,
        '--host',
        'smtp.example.com',
        '--username',
        'mailer',
        '--password-stdin',
        '--sender-email',
        'auth@example.com',
        '--sender-name',
        'Example Auth',
        '--json',
      ],
      `${SMTP_PASSWORD}\n`,
    );
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({
      host: 'smtp.example.com',
      port: 587,
      tls: 'starttls',
      username: 'mailer',
      passwordSet: true,
      senderEmail: 'auth@example.com',
      senderName: 'Example Auth',
    });
    const show = await runCli(['emails', 'smtp', 'show', ...project]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/password\s+set/);
    expect(show.stdout).toContain('Example Auth <auth@example.com>');
    for (const out of [set, show]) expect(out.stdout + out.stderr).not.toContain(SMTP_PASSWORD);

    const { rows } = await t.server.ctx.db.query<{ password_enc: string }>(
      'SELECT password_enc FROM authsync.email_smtp_settings WHERE project_id = $1',
      [t.projectId],
    );
    expect(rows[0]!.password_enc).not.toContain(SMTP_PASSWORD);
    expect(t.server.ctx.box.open(rows[0]!.password_enc)).toBe(SMTP_PASSWORD);

    // Setting again without a password keeps it; --remove-password removes it.
    const again = await runCli([
      'emails',
      'smtp',
      'set',
      ...project,
      '--host',
      'smtp2.example.com',
      '--port',
      '465',
      '--sender-email',
      'a@example.com',
      '--json',
    ]);
    expect(JSON.parse(again.stdout)).toMatchObject({
      host: 'smtp2.example.com',
      port: 465,
      tls: 'tls',
      passwordSet: true,
      senderName: null,
    });
    const cleared = await runCli([
      'emails',
      'smtp',
      'set',
      ...project,
      '--host',
      'smtp2.example.com',
      '--sender-email',
      'a@example.com',
      '--remove-password',
      '--json',
    ]);
    expect(JSON.parse(cleared.stdout)).toMatchObject({ passwordSet: false });
  });

  it('smtp set refuses bad input with the reason; smtp remove removes the settings', async () => {
    const badTls = await runCli([
      'emails',
      'smtp',
      'set',
      ...project,
      '--host',
      'smtp.example.com',
      '--tls',
      'ssl',
      '--sender-email',
      'a@example.com',
    ]);
    expect(badTls.code).toBe(1);
    expect(badTls.stderr).toContain('The TLS mode must be none, starttls or tls.');
    const badSender = await runCli(['emails', 'smtp', 'set', ...project, '--host', 'smtp.example.com', '--sender-email', 'nobody']);
    expect(badSender.code).toBe(1);
    expect(badSender.stderr).toContain('The sender e-mail must be a valid e-mail address.');

    const removed = await runCli(['emails', 'smtp', 'remove', ...project]);
    expect(removed.code, removed.stderr).toBe(0);
    const show = await runCli(['emails', 'smtp', 'show', ...project, '--json']);
    expect(JSON.parse(show.stdout)).toBeNull();
    const again = await runCli(['emails', 'smtp', 'remove', ...project]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('has no SMTP settings');
  });
});
