/**
 * Users' accounts at OAuth providers (`authsync.oauth_accounts`): the provider's subject, its e-mail, and the
 * provider's tokens for connected accounts. The tokens are sealed under the server secret and opened only here.
 */
import type { Queryable } from '../db/database.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { isProjectId } from '../projects/projects.js';

export interface OAuthAccount {
  projectId: string;
  providerId: string;
  /** The provider's subject for the user (`sub`, GitHub's numeric ID as a string…). */
  accountId: string;
  userId: string;
  /** The provider's e-mail, which may differ from the user's primary e-mail. */
  email: string | null;
  emailVerified: boolean;
  /** Sign-in with this account signs in as its user. @default true */
  allowSignIn: boolean;
  /** The app may get the provider's access token for this account. @default true */
  allowConnectedAccounts: boolean;
  accessToken: string | null;
  refreshToken: string | null;
  accessTokenExpiresAt: Date | null;
  /** The scopes the provider granted. */
  scopes: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface OAuthAccountInput {
  projectId: string;
  providerId: string;
  accountId: string;
  userId: string;
  email?: string | null;
  emailVerified?: boolean;
  /** @default true */
  allowSignIn?: boolean;
  /** @default true */
  allowConnectedAccounts?: boolean;
  accessToken?: string | null;
  /** Kept when a new sign-in brings none (providers send one only at first consent). */
  refreshToken?: string | null;
  accessTokenExpiresAt?: Date | null;
  scopes?: string[];
}

interface AccountRow {
  project_id: string;
  provider_id: string;
  account_id: string;
  user_id: string;
  email: string | null;
  email_verified: boolean;
  allow_sign_in: boolean;
  allow_connected_accounts: boolean;
  access_token_enc: string | null;
  refresh_token_enc: string | null;
  access_token_expires_at: Date | null;
  scopes: string[];
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `project_id, provider_id, account_id, user_id, email, email_verified, allow_sign_in, allow_connected_accounts,
  access_token_enc, refresh_token_enc, access_token_expires_at, scopes, created_at, updated_at`;

function toAccount(box: SecretBox, row: AccountRow): OAuthAccount {
  return {
    projectId: row.project_id,
    providerId: row.provider_id,
    accountId: row.account_id,
    userId: row.user_id,
    email: row.email,
    emailVerified: row.email_verified,
    allowSignIn: row.allow_sign_in,
    allowConnectedAccounts: row.allow_connected_accounts,
    accessToken: row.access_token_enc === null ? null : box.open(row.access_token_enc),
    refreshToken: row.refresh_token_enc === null ? null : box.open(row.refresh_token_enc),
    accessTokenExpiresAt: row.access_token_expires_at,
    scopes: row.scopes,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const sealed = (box: SecretBox, value: string | null | undefined) => (value ? box.seal(value) : null);

/**
 * Records a provider account, or refreshes the one with the same (project, provider, account ID): its user, e-mail
 * and tokens. A refresh token missing from `input` keeps the stored one; the flags keep theirs unless given.
 */
export async function upsertOAuthAccount(db: Queryable, box: SecretBox, input: OAuthAccountInput): Promise<OAuthAccount> {
  const { rows } = await db.query<AccountRow>(
    `INSERT INTO authsync.oauth_accounts (project_id, provider_id, account_id, user_id, email, email_verified, allow_sign_in,
       allow_connected_accounts, access_token_enc, refresh_token_enc, access_token_expires_at, scopes)
     VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, true), coalesce($8, true), $9, $10, $11, $12)
     ON CONFLICT (project_id, provider_id, account_id) DO UPDATE SET user_id = excluded.user_id, email = excluded.email,
       email_verified = excluded.email_verified,
       allow_sign_in = coalesce($7, authsync.oauth_accounts.allow_sign_in),
       allow_connected_accounts = coalesce($8, authsync.oauth_accounts.allow_connected_accounts),
       access_token_enc = excluded.access_token_enc,
       refresh_token_enc = coalesce(excluded.refresh_token_enc, authsync.oauth_accounts.refresh_token_enc),
       access_token_expires_at = excluded.access_token_expires_at, scopes = excluded.scopes, updated_at = now()
     RETURNING ${COLUMNS}`,
    [
      input.projectId,
      input.providerId,
      input.accountId,
      input.userId,
      input.email ?? null,
      input.emailVerified ?? false,
      input.allowSignIn ?? null,
      input.allowConnectedAccounts ?? null,
      sealed(box, input.accessToken),
      sealed(box, input.refreshToken),
      input.accessTokenExpiresAt ?? null,
      input.scopes ?? [],
    ],
  );
  return toAccount(box, rows[0]!);
}

export async function findOAuthAccount(
  db: Queryable,
  box: SecretBox,
  projectId: string,
  providerId: string,
  accountId: string,
): Promise<OAuthAccount | undefined> {
  if (!isProjectId(projectId)) return undefined;
  const { rows } = await db.query<AccountRow>(
    `SELECT ${COLUMNS} FROM authsync.oauth_accounts WHERE project_id = $1 AND provider_id = $2 AND account_id = $3`,
    [projectId, providerId, accountId],
  );
  return rows[0] && toAccount(box, rows[0]);
}

/** A user's provider accounts, oldest first (the order of `oauth_providers` on the user object). */
export async function listOAuthAccountsOfUser(db: Queryable, box: SecretBox, projectId: string, userId: string): Promise<OAuthAccount[]> {
  if (!isProjectId(projectId) || !isProjectId(userId)) return [];
  const { rows } = await db.query<AccountRow>(
    `SELECT ${COLUMNS} FROM authsync.oauth_accounts WHERE project_id = $1 AND user_id = $2 ORDER BY created_at, provider_id, account_id`,
    [projectId, userId],
  );
  return rows.map((row) => toAccount(box, row));
}

export async function removeOAuthAccount(db: Queryable, projectId: string, providerId: string, accountId: string): Promise<boolean> {
  if (!isProjectId(projectId)) return false;
  const { rowCount } = await db.query(
    'DELETE FROM authsync.oauth_accounts WHERE project_id = $1 AND provider_id = $2 AND account_id = $3',
    [projectId, providerId, accountId],
  );
  return rowCount > 0;
}
