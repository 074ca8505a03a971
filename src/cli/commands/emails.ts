/**
 * `authsync emails list|show` (a project's mail queue and its history) and `authsync emails smtp set|show|remove` (its
 * own SMTP server). The SMTP password is read from standard input only and never printed.
 */
import type { Command } from 'commander';
import { EMAIL_STATUSES, getEmail, listEmails, type EmailStatus, type StoredEmail } from '../../email/emails.js';
import { getSmtpSettings, removeSmtpSettings, setSmtpSettings, type SmtpSettingsView, type SmtpTls } from '../../email/smtp-settings.js';
import { linksIn } from '../../email/worker.js';
import { cliInputError } from '../input-errors.js';
import { printFields, printJson } from '../output.js';
import { withDatabaseOptions, type DatabaseOptions } from '../shared-options.js';
import { withProject } from '../with-context.js';
import { registerEmailTemplateCommands } from './email-templates.js';

interface EmailsOptions extends DatabaseOptions {
  project: string;
  status?: string;
  limit?: string;
  id?: string;
  json?: boolean;
}

interface SmtpOptions extends DatabaseOptions {
  project: string;
  host?: string;
  port?: string;
  tls?: string;
  username?: string;
  passwordStdin?: boolean;
  removePassword?: boolean;
  senderEmail?: string;
  senderName?: string;
  json?: boolean;
}

function parseStatus(value: string | undefined): EmailStatus | undefined {
  if (value === undefined) return undefined;
  if (!(EMAIL_STATUSES as readonly string[]).includes(value)) throw cliInputError(`--status must be one of ${EMAIL_STATUSES.join(', ')}.`);
  return value as EmailStatus;
}

function parseLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const limit = Number(value);
  if (!/^\d+$/.test(value) || limit < 1 || limit > 1000) throw cliInputError('--limit must be a number from 1 to 1000.');
  return limit;
}

/** What the list shows of a mail (no bodies). */
function summary(mail: StoredEmail) {
  return {
    id: mail.id,
    status: mail.status,
    attempts: mail.attempts,
    lastError: mail.lastError,
    recipient: mail.recipient,
    subject: mail.subject,
    template: mail.template,
    createdAt: mail.createdAt.toISOString(),
    sentAt: mail.sentAt?.toISOString() ?? null,
    nextAttemptAt: mail.status === 'queued' ? mail.nextAttemptAt.toISOString() : null,
  };
}

function detail(mail: StoredEmail) {
  return { ...summary(mail), sender: mail.sender, messageId: mail.messageId, links: linksIn(mail.text), text: mail.text, html: mail.html };
}

function smtpShown(settings: SmtpSettingsView) {
  return {
    host: settings.host,
    port: settings.port,
    tls: settings.tls,
    username: settings.username,
    passwordSet: settings.hasPassword,
    senderEmail: settings.senderEmail,
    senderName: settings.senderName,
    updatedAt: settings.updatedAt.toISOString(),
  };
}

function printSmtp(settings: ReturnType<typeof smtpShown>): void {
  printFields({
    host: settings.host,
    port: settings.port,
    tls: settings.tls,
    username: settings.username ?? '(none)',
    password: settings.passwordSet ? 'set' : 'not set',
    sender: settings.senderName ? `${settings.senderName} <${settings.senderEmail}>` : settings.senderEmail,
    updated: settings.updatedAt,
  });
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.replace(/\r?\n$/, '');
}

export function registerEmails(program: Command): void {
  const emails = program.command('emails').description("a project's e-mails: the queue, their delivery, its SMTP server");

  withDatabaseOptions(
    emails
      .command('list')
      .description("list a project's mails, newest first: status, attempts, last SMTP answer, recipient, subject")
      .requiredOption('--project <id>', 'project ID')
      .option('--status <status>', `only mails in this status: ${EMAIL_STATUSES.join(', ')}`)
      .option('--limit <n>', 'at most this many mails (1 to 1000, default 50)')
      .option('--json', 'print JSON'),
  ).action(async (options: EmailsOptions) => {
    const status = parseStatus(options.status);
    const limit = parseLimit(options.limit);
    const mails = await withProject(options, (ctx, projectId) =>
      listEmails(ctx.db, { projectId, ...(status ? { status } : {}), ...(limit ? { limit } : {}) }),
    );
    const shown = mails.map(summary);
    if (options.json) return printJson(shown);
    if (shown.length === 0) return void process.stdout.write('No mails.\n');
    shown.forEach((mail, index) => {
      if (index > 0) process.stdout.write('\n');
      printFields({
        id: mail.id,
        status: mail.status,
        attempts: mail.attempts,
        'last error': mail.lastError ?? undefined,
        to: mail.recipient,
        subject: mail.subject,
        template: mail.template,
        created: mail.createdAt,
        sent: mail.sentAt ?? undefined,
        'next attempt': mail.nextAttemptAt ?? undefined,
      });
    });
  });

  withDatabaseOptions(
    emails
      .command('show')
      .description('show one mail with its text and links')
      .requiredOption('--project <id>', 'project ID')
      .requiredOption('--id <mail-id>', 'the mail ID (from emails list)')
      .option('--json', 'print JSON (with the HTML part)'),
  ).action(async (options: EmailsOptions) => {
    const mail = await withProject(options, async (ctx, projectId) => {
      const found = await getEmail(ctx.db, options.id!);
      if (!found || found.projectId !== projectId) throw cliInputError(`Project ${projectId} has no mail ${options.id}.`);
      return detail(found);
    });
    if (options.json) return printJson(mail);
    printFields({
      id: mail.id,
      status: mail.status,
      attempts: mail.attempts,
      'last error': mail.lastError ?? undefined,
      from: mail.sender ?? undefined,
      to: mail.recipient,
      subject: mail.subject,
      template: mail.template,
      created: mail.createdAt,
      sent: mail.sentAt ?? undefined,
    });
    process.stdout.write(`\nLinks:\n${mail.links.map((link) => `  ${link}\n`).join('') || '  (none)\n'}\n${mail.text}\n`);
  });

  registerEmailTemplateCommands(emails);

  const smtp = emails.command('smtp').description("a project's own SMTP server (else the instance's, else the development mailbox)");

  withDatabaseOptions(
    smtp
      .command('set')
      .description("set a project's SMTP server (replacing its settings; the stored password is kept unless given or removed)")
      .requiredOption('--project <id>', 'project ID')
      .requiredOption('--host <host>', 'SMTP host name or IP address')
      .option('--port <port>', 'SMTP port (default 587, or 465 with --tls tls)')
      .option('--tls <mode>', 'none, starttls or tls (default starttls, or tls on port 465)')
      .option('--username <name>', 'SMTP username')
      .option('--password-stdin', 'read the SMTP password from standard input')
      .option('--remove-password', 'remove the stored SMTP password')
      .requiredOption('--sender-email <address>', 'the From address')
      .option('--sender-name <name>', "the From name (default: the project's name)")
      .option('--json', 'print JSON'),
  ).action(async (options: SmtpOptions) => {
    if (options.passwordStdin && options.removePassword) throw cliInputError('Give --password-stdin or --remove-password, not both.');
    let port: number | undefined;
    if (options.port !== undefined) {
      if (!/^\d{1,5}$/.test(options.port)) throw cliInputError('--port must be a number from 1 to 65535.');
      port = Number(options.port);
    }
    const password = options.passwordStdin ? await readStdin() : options.removePassword ? null : undefined;
    const saved = await withProject(options, (ctx, projectId) =>
      setSmtpSettings(ctx, projectId, {
        host: options.host!,
        ...(port !== undefined ? { port } : {}),
        ...(options.tls !== undefined ? { tls: options.tls as SmtpTls } : {}),
        ...(options.username !== undefined ? { username: options.username } : {}),
        ...(password !== undefined ? { password } : {}),
        senderEmail: options.senderEmail!,
        ...(options.senderName !== undefined ? { senderName: options.senderName } : {}),
      }),
    );
    if (options.json) printJson(smtpShown(saved));
    else printSmtp(smtpShown(saved));
  });

  withDatabaseOptions(
    smtp
      .command('show')
      .description("show a project's SMTP settings (never the password)")
      .requiredOption('--project <id>', 'project ID')
      .option('--json', 'print JSON (null when the project has none)'),
  ).action(async (options: SmtpOptions) => {
    const settings = await withProject(options, (ctx, projectId) => getSmtpSettings(ctx.db, projectId));
    const shown = settings ? smtpShown(settings) : null;
    if (options.json) printJson(shown);
    else if (!shown)
      process.stdout.write("No SMTP settings: the project's mail goes through the instance's server, else the development mailbox.\n");
    else printSmtp(shown);
  });

  withDatabaseOptions(
    smtp
      .command('remove')
      .description("remove a project's SMTP settings (its mail then goes through the instance's server, else the development mailbox)")
      .requiredOption('--project <id>', 'project ID'),
  ).action(async (options: SmtpOptions) => {
    const removed = await withProject(options, (ctx, projectId) => removeSmtpSettings(ctx.db, projectId));
    if (!removed) throw cliInputError(`Project ${options.project} has no SMTP settings.`);
    process.stdout.write('Removed the SMTP settings.\n');
  });
}
