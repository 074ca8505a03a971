/**
 * The `email_config` of Stack's admin project object: `{ type: "shared" }` (the instance's mail server, or the
 * development mailbox) or `{ type: "standard", host, port, username, password, sender_name, sender_email }`, the
 * project's own SMTP server. It is stored as the project's SMTP settings (`email/smtp-settings.ts`), the same ones
 * `authsync emails smtp` and the dashboard edit, with the password sealed. The password is never shown back: Stack
 * shows it to admins; authsync does not hand out a stored credential (docs/compatibility.md).
 */
import { z } from 'zod';
import type { AppContext } from '../context/app-context.js';
import type { Queryable } from '../db/database.js';
import { checkSmtpInput, getSmtpSettings, removeSmtpSettings, setSmtpSettings, type SmtpSettingsInput } from '../email/smtp-settings.js';
import { isValidEmail } from '../users/email.js';

/** Defined and not empty when the type is `standard`, as Stack's validator words it. */
const standardField = z.string().max(1000).optional();

export const legacyEmailConfigSchema = z
  .strictObject({
    type: z.enum(['shared', 'standard']),
    host: standardField,
    port: z.number().int().min(0).max(65535).optional(),
    username: standardField,
    password: standardField,
    sender_name: standardField,
    sender_email: standardField,
  })
  .superRefine((value, refine) => {
    if (value.type !== 'standard') return;
    for (const key of ['host', 'port', 'username', 'password', 'sender_name', 'sender_email'] as const) {
      const field = value[key];
      if (field === undefined) refine.addIssue({ code: 'custom', path: [key], message: 'must be defined' });
      else if (field === '') refine.addIssue({ code: 'custom', path: [key], message: 'must not be empty' });
    }
    if (value.sender_email && !isValidEmail(value.sender_email)) {
      refine.addIssue({ code: 'custom', path: ['sender_email'], message: 'must be a valid email' });
    }
  });

export type LegacyEmailConfig = z.infer<typeof legacyEmailConfigSchema>;

function smtpInput(config: LegacyEmailConfig): SmtpSettingsInput {
  return {
    host: config.host!,
    port: config.port!,
    username: config.username!,
    password: config.password!,
    senderEmail: config.sender_email!,
    senderName: config.sender_name!,
  };
}

/** Refuses an `email_config` the SMTP settings would refuse, before anything is written. */
export function checkLegacyEmailConfig(config: LegacyEmailConfig | undefined): void {
  if (config?.type === 'standard') checkSmtpInput(smtpInput(config));
}

/** Stores a project's `email_config`: its own SMTP server, or none (`shared`). */
export async function applyLegacyEmailConfig(ctx: AppContext, projectId: string, config: LegacyEmailConfig): Promise<void> {
  if (config.type === 'shared') await removeSmtpSettings(ctx.db, projectId);
  else await setSmtpSettings(ctx, projectId, smtpInput(config));
}

/** A project's `email_config` as the admin project object shows it (without the password). */
export async function renderLegacyEmailConfig(db: Queryable, projectId: string): Promise<Record<string, unknown>> {
  const smtp = await getSmtpSettings(db, projectId);
  if (!smtp) return { type: 'shared' };
  return {
    type: 'standard',
    host: smtp.host,
    port: smtp.port,
    username: smtp.username,
    sender_name: smtp.senderName,
    sender_email: smtp.senderEmail,
  };
}
