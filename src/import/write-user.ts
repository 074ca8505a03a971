/**
 * Writes one user of another Stack Auth-compatible server into a project under the same ID: created when new,
 * updated when it differs, left alone (no write, no version bump) when it already matches. Everything goes through the
 * user store in one transaction, so users_sync and the outbox follow as for any other change. Both imports (`authsync
 * import stack`, `authsync import users-sync`) and the lazy password migration use it.
 */
import { AppError } from '../errors/app-error.js';
import type { AppContext } from '../context/app-context.js';
import type { Queryable } from '../db/database.js';
import { isBcryptHash } from '../crypto/passwords.js';
import { upsertOAuthAccount } from '../oauth/accounts.js';
import { isMember } from '../teams/memberships.js';
import { isValidEmail, normalizeEmail } from '../users/email.js';
import type { UserRow } from '../users/user-object.js';
import type { UserFields } from '../users/user-store.js';
import { canonicalJson } from './canonical-json.js';
import { parseSourceUser, type SourceUser } from './source-user.js';

export type WriteOutcome = 'imported' | 'updated' | 'unchanged' | { skipped: string };

export interface WriteUserOptions {
  /** A bcrypt hash (as `POST /users` `password_hash` takes) to store; without one a local password is left as it is. */
  passwordHash?: string;
  /** Work out the outcome, then roll everything back. @default false */
  dryRun?: boolean;
}

interface Link {
  providerId: string;
  accountId: string;
  email: string | null;
}

class Skip extends Error {}
class DryRun extends Error {
  constructor(readonly outcome: WriteOutcome) {
    super('dry run');
  }
}

/** Writes `source` (a server user object) into `projectId` with the same ID; see the module comment. */
export async function writeUser(
  ctx: AppContext,
  projectId: string,
  source: unknown,
  options: WriteUserOptions = {},
): Promise<WriteOutcome> {
  const parsed = parseSourceUser(source);
  if ('error' in parsed) return { skipped: parsed.error };
  const user = parsed.user;
  try {
    const fields = wantedFields(user, options.passwordHash);
    const links = wantedLinks(user);
    return await ctx.db.transaction(async (tx) => {
      const outcome = await write(ctx, tx, projectId, user, fields, links);
      if (options.dryRun) throw new DryRun(outcome);
      return outcome;
    });
  } catch (error) {
    if (error instanceof DryRun) return error.outcome;
    if (error instanceof Skip || error instanceof AppError) return { skipped: error.message };
    throw error;
  }
}

async function write(
  ctx: AppContext,
  tx: Queryable,
  projectId: string,
  user: SourceUser,
  fields: UserFields,
  links: Link[],
): Promise<WriteOutcome> {
  const { rows } = await tx.query<{ project_id: string }>('SELECT project_id FROM authsync.users WHERE id = $1 FOR UPDATE', [user.id]);
  if (rows[0] && rows[0].project_id !== projectId) throw new Skip('the user ID is taken by a user of another project');
  await checkLinksFree(tx, projectId, user.id, links);
  const current = rows[0] ? await ctx.users.get(projectId, user.id, tx) : undefined;
  const addLinks = (tx: Queryable) => upsertLinks(ctx, tx, projectId, user.id, links);
  if (!current) {
    await ctx.users.create(projectId, fields, addLinks, { id: user.id, tx, createHooks: false });
    return 'imported';
  }
  const changes = await changedFields(tx, projectId, current, fields, user);
  const newLinks = links.filter((link) => !hasLink(current, link));
  if (Object.keys(changes).length === 0 && newLinks.length === 0) return 'unchanged';
  await upsertLinks(ctx, tx, projectId, user.id, newLinks);
  await ctx.users.update(projectId, user.id, changes, { tx });
  return 'updated';
}

/** The columns the source user asks for; a field the source does not have (an older server's) is not set. */
function wantedFields(user: SourceUser, passwordHash: string | undefined): UserFields {
  const email = user.primary_email ? normalizeEmail(user.primary_email) : null;
  if (email !== null && !isValidEmail(email))
    throw new Skip(`primary_email ${JSON.stringify(user.primary_email)} is not an e-mail address`);
  if (user.display_name && user.display_name.length > 256) throw new Skip('display_name is longer than 256 characters');
  if (passwordHash !== undefined && !isBcryptHash(passwordHash)) throw new Skip('the password hash is not a bcrypt hash');
  const fields: UserFields = {
    primary_email: email,
    primary_email_verified: email !== null && (user.primary_email_verified ?? false),
    primary_email_auth_enabled: email !== null && (user.primary_email_auth_enabled ?? true),
    display_name: user.display_name ?? null,
    profile_image_url: user.profile_image_url ?? null,
    client_metadata: user.client_metadata ?? null,
    client_read_only_metadata: user.client_read_only_metadata ?? null,
    server_metadata: user.server_metadata ?? null,
    otp_auth_enabled: user.otp_auth_enabled ?? false,
    passkey_auth_enabled: user.passkey_auth_enabled ?? false,
    is_anonymous: user.is_anonymous ?? false,
  };
  if (user.signed_up_at_millis !== undefined) fields.signed_up_at = new Date(user.signed_up_at_millis);
  if (user.restricted_by_admin !== undefined) {
    fields.restricted_by_admin = user.restricted_by_admin;
    fields.restricted_by_admin_reason = user.restricted_by_admin ? (user.restricted_by_admin_reason ?? null) : null;
    fields.restricted_by_admin_private_details = user.restricted_by_admin ? (user.restricted_by_admin_private_details ?? null) : null;
  }
  if (user.country_code !== undefined) fields.country_code = user.country_code;
  if (user.risk_scores !== undefined) fields.risk_scores = user.risk_scores;
  if (passwordHash !== undefined) fields.password_hash = passwordHash;
  return fields;
}

/** What differs between the stored user and the wanted fields, plus the selected team when the member is already there. */
async function changedFields(
  tx: Queryable,
  projectId: string,
  current: UserRow,
  fields: UserFields,
  user: SourceUser,
): Promise<UserFields> {
  const changes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || same(current[key as keyof UserRow], value)) continue;
    // A user cannot become anonymous again: a user upgraded here since the last import stays upgraded.
    if (key === 'is_anonymous' && value === true) continue;
    changes[key] = value;
  }
  const team = user.selected_team_id;
  if (team === null && current.selected_team_id !== null) changes.selected_team_id = null;
  else if (team && team !== current.selected_team_id && (await isMember(tx, projectId, team, current.id))) changes.selected_team_id = team;
  return changes as UserFields;
}

function same(stored: unknown, wanted: unknown): boolean {
  if (wanted instanceof Date) return stored instanceof Date && stored.getTime() === wanted.getTime();
  return canonicalJson(stored) === canonicalJson(wanted);
}

const PROVIDER_ID = /^[a-z0-9-]{1,64}$/;

function wantedLinks(user: SourceUser): Link[] {
  return (user.oauth_providers ?? []).map((account) => {
    const providerId = account.id.toLowerCase();
    if (!PROVIDER_ID.test(providerId)) throw new Skip(`OAuth provider ID ${JSON.stringify(account.id)} is not a valid provider ID`);
    const email = account.email ? normalizeEmail(account.email) : null;
    return { providerId, accountId: account.account_id, email };
  });
}

function hasLink(current: UserRow, link: Link): boolean {
  return current.oauth_providers.some((p) => p.id === link.providerId && p.account_id === link.accountId && p.email === link.email);
}

/** A provider account already signing in another user of the project is a conflict the operator must resolve. */
async function checkLinksFree(tx: Queryable, projectId: string, userId: string, links: Link[]): Promise<void> {
  for (const link of links) {
    const { rows } = await tx.query<{ user_id: string }>(
      'SELECT user_id FROM authsync.oauth_accounts WHERE project_id = $1 AND provider_id = $2 AND account_id = $3',
      [projectId, link.providerId, link.accountId],
    );
    if (rows[0] && rows[0].user_id !== userId) {
      throw new Skip(`the ${link.providerId} account ${link.accountId} belongs to another user (${rows[0].user_id})`);
    }
  }
}

/**
 * Records the user's provider accounts. The provider need not be configured yet: accounts do not depend on it, and
 * sign-in with the provider finds them once it is. Nobody vouched for the e-mails here, so they are not taken as verified.
 */
async function upsertLinks(ctx: AppContext, tx: Queryable, projectId: string, userId: string, links: Link[]): Promise<void> {
  for (const link of links) {
    await upsertOAuthAccount(tx, ctx.box, {
      projectId,
      providerId: link.providerId,
      accountId: link.accountId,
      userId,
      email: link.email,
      emailVerified: false,
    });
  }
}
