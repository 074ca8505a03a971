/**
 * Where a project's mail goes: its own SMTP server (`authsync.email_smtp_settings`, the password sealed under the
 * server secret and opened only here), else the instance's (AUTHSYNC_EMAIL_*), else nowhere: the development mailbox.
 * The CLI (`authsync emails smtp`), the dashboard and the worker go through these functions; none returns the password.
 */
import type { AppContext } from '../context/app-context.js';
import type { Config } from '../config/index.js';
import type { Queryable } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { isValidEmail } from '../users/email.js';

export type SmtpTls = 'none' | 'starttls' | 'tls';

export const SMTP_TLS_MODES: readonly SmtpTls[] = ['none', 'starttls', 'tls'];

/** An SMTP server with its credentials: what the transport needs. */
export interface SmtpServer {
  host: string;
  port: number;
  tls: SmtpTls;
  username: string | null;
  password: string | null;
  senderEmail: string;
  /** The From name; `null`: the project's name. */
  senderName: string | null;
}

/** A project's SMTP settings as shown (the password only as whether there is one). */
export interface SmtpSettingsView {
  host: string;
  port: number;
  tls: SmtpTls;
  username: string | null;
  hasPassword: boolean;
  senderEmail: string;
  senderName: string | null;
  updatedAt: Date;
}

export interface SmtpSettingsInput {
  host: string;
  /** @default 587, or 465 with `tls` */
  port?: number;
  /** @default "starttls", or "tls" on port 465 */
  tls?: SmtpTls;
  username?: string | null;
  /** Omitted: keep the stored password; `null`: remove it. */
  password?: string | null;
  senderEmail: string;
  senderName?: string | null;
}

export function smtpInputError(message: string): AppError {
  return new AppError('SMTP_SETTINGS_INPUT', 400, message);
}

function defaultTls(port: number | undefined): SmtpTls {
  return port === 465 ? 'tls' : 'starttls';
}

/** The settings' checks (SMTP_SETTINGS_INPUT), without writing: for callers that must refuse before writing anything. */
export function checkSmtpInput(input: SmtpSettingsInput): Required<Omit<SmtpSettingsInput, 'password'>> {
  const host = input.host.trim();
  if (!/^[A-Za-z0-9.\-:[\]]{1,253}$/.test(host)) throw smtpInputError('The SMTP host must be a host name or an IP address.');
  const tls = input.tls ?? defaultTls(input.port);
  if (!SMTP_TLS_MODES.includes(tls)) throw smtpInputError('The TLS mode must be none, starttls or tls.');
  const port = input.port ?? (tls === 'tls' ? 465 : 587);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw smtpInputError('The SMTP port must be a number from 1 to 65535.');
  const senderEmail = input.senderEmail.trim();
  if (!isValidEmail(senderEmail)) throw smtpInputError('The sender e-mail must be a valid e-mail address.');
  const senderName = input.senderName?.trim() || null;
  if (senderName !== null && (senderName.length > 200 || /[\r\n]/.test(senderName)))
    throw smtpInputError('The sender name must be one line of at most 200 characters.');
  const username = input.username?.trim() || null;
  if (username !== null && (username.length > 500 || /[\r\n]/.test(username))) throw smtpInputError('The SMTP username is not valid.');
  return { host, port, tls, username, senderEmail, senderName };
}

/** Stores a project's SMTP server (replacing the previous one). */
export async function setSmtpSettings(ctx: AppContext, projectId: string, input: SmtpSettingsInput): Promise<SmtpSettingsView> {
  const checked = checkSmtpInput(input);
  if (input.password !== undefined && input.password !== null && (input.password.length > 1000 || input.password.length === 0))
    throw smtpInputError('The SMTP password must have 1 to 1000 characters.');
  const project = await ctx.db.query('SELECT 1 FROM authsync.projects WHERE id = $1', [projectId]);
  if (project.rowCount === 0) throw new AppError('PROJECT_NOT_FOUND', 404, `No project has the ID ${projectId}.`);
  const sealed = input.password === undefined ? undefined : input.password === null ? null : ctx.box.seal(input.password);
  await ctx.db.query(
    `INSERT INTO authsync.email_smtp_settings (project_id, host, port, tls, username, password_enc, sender_email, sender_name)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (project_id) DO UPDATE SET host = $2, port = $3, tls = $4, username = $5,
       password_enc = CASE WHEN $9 THEN authsync.email_smtp_settings.password_enc ELSE $6 END,
       sender_email = $7, sender_name = $8, updated_at = now()`,
    [
      projectId,
      checked.host,
      checked.port,
      checked.tls,
      checked.username,
      sealed ?? null,
      checked.senderEmail,
      checked.senderName,
      sealed === undefined,
    ],
  );
  return (await getSmtpSettings(ctx.db, projectId))!;
}

/** A project's own SMTP settings, without the password; `undefined` when it uses the instance's (or none). */
export async function getSmtpSettings(db: Queryable, projectId: string): Promise<SmtpSettingsView | undefined> {
  const { rows } = await db.query<SettingsRow>(`SELECT ${COLUMNS} FROM authsync.email_smtp_settings WHERE project_id = $1`, [projectId]);
  const row = rows[0];
  if (!row) return undefined;
  return {
    host: row.host,
    port: Number(row.port),
    tls: row.tls,
    username: row.username,
    hasPassword: row.password_enc !== null,
    senderEmail: row.sender_email,
    senderName: row.sender_name,
    updatedAt: new Date(row.updated_at),
  };
}

/** Removes a project's SMTP settings (its mail then goes through the instance's server, or the development mailbox). */
export async function removeSmtpSettings(db: Queryable, projectId: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM authsync.email_smtp_settings WHERE project_id = $1', [projectId]);
  return rowCount > 0;
}

/** The instance's SMTP server from the configuration, or `null` (the development mailbox). */
export function instanceSmtpServer(config: Config): SmtpServer | null {
  if (!config.emailHost) return null;
  const tls = config.emailTls ?? defaultTls(config.emailPort);
  const sender = instanceSender(config);
  return {
    host: config.emailHost,
    port: config.emailPort ?? (tls === 'tls' ? 465 : 587),
    tls,
    username: config.emailUsername ?? null,
    password: config.emailPassword ?? null,
    senderEmail: sender.email,
    senderName: sender.name,
  };
}

/** The instance's From address and name: AUTHSYNC_EMAIL_SENDER, else `noreply@<base URL host>` without a name. */
export function instanceSender(config: Config): { email: string; name: string | null } {
  return parseSender(config.emailSender ?? `noreply@${new URL(config.baseUrl).hostname}`);
}

/** `Name <address>` or `address`. */
export function parseSender(value: string): { email: string; name: string | null } {
  const match = /^\s*(.*?)\s*<([^<>]+)>\s*$/.exec(value);
  if (!match) return { email: value.trim(), name: null };
  return { email: match[2]!.trim(), name: match[1]!.replace(/^"|"$/g, '').trim() || null };
}

/** The SMTP server a project's mail goes through now: its own, else the instance's, else `null`. */
export async function smtpServerFor(ctx: AppContext, db: Queryable, projectId: string): Promise<SmtpServer | null> {
  const { rows } = await db.query<SettingsRow>(`SELECT ${COLUMNS} FROM authsync.email_smtp_settings WHERE project_id = $1`, [projectId]);
  const row = rows[0];
  if (!row) return instanceSmtpServer(ctx.config);
  return {
    host: row.host,
    port: Number(row.port),
    tls: row.tls,
    username: row.username,
    password: row.password_enc === null ? null : ctx.box.open(row.password_enc),
    senderEmail: row.sender_email,
    senderName: row.sender_name,
  };
}

interface SettingsRow {
  host: string;
  port: number;
  tls: SmtpTls;
  username: string | null;
  password_enc: string | null;
  sender_email: string;
  sender_name: string | null;
  updated_at: Date;
}

const COLUMNS = 'host, port, tls, username, password_enc, sender_email, sender_name, updated_at';
