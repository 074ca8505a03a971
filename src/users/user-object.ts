/**
 * The user as stored, and its two public shapes: the server user object (server access, list items,
 * users_sync.raw_json) and the client subset (client access to /users/me). Field names and presence follow
 * the Stack Auth API exactly: the SDK crashes on some missing fields (risk_scores) and must never see
 * server_metadata with client access.
 */
import { toClientTeam, toServerTeam, type TeamRow } from './team-shape.js';

export interface UserRow {
  id: string;
  project_id: string;
  primary_email: string | null;
  primary_email_verified: boolean;
  primary_email_auth_enabled: boolean;
  display_name: string | null;
  profile_image_url: string | null;
  password_hash: string | null;
  otp_auth_enabled: boolean;
  passkey_auth_enabled: boolean;
  totp_secret_base64: string | null;
  client_metadata: unknown;
  client_read_only_metadata: unknown;
  server_metadata: unknown;
  selected_team_id: string | null;
  is_anonymous: boolean;
  restricted_by_admin: boolean;
  restricted_by_admin_reason: string | null;
  restricted_by_admin_private_details: string | null;
  country_code: string | null;
  risk_scores: { sign_up: { bot: number; free_trial_abuse: number } };
  signed_up_at: Date;
  last_active_at: Date;
  updated_at: Date;
  version: number;
  /** The user's provider accounts (`authsync.oauth_accounts`), oldest first: read with the row, not a column of it. */
  oauth_providers: OAuthProviderLink[];
  /** The team `selected_team_id` names (`authsync.teams`), read with the row. */
  selected_team: TeamRow | null;
  /**
   * The project's `require_email_verification` setting, read with the row, so that every reader of a user (the API,
   * tokens, users_sync) computes the same `is_restricted`.
   */
  email_verification_required: boolean;
}

/** A provider account as the user object shows it (Stack's `oauth_providers` items). */
export interface OAuthProviderLink {
  id: string;
  account_id: string;
  email: string | null;
}

/** Every column of UserRow, in the order queries read them; the compiler checks that none is missing. */
const USER_COLUMN_NAMES = [
  'id',
  'project_id',
  'primary_email',
  'primary_email_verified',
  'primary_email_auth_enabled',
  'display_name',
  'profile_image_url',
  'password_hash',
  'otp_auth_enabled',
  'passkey_auth_enabled',
  'totp_secret_base64',
  'client_metadata',
  'client_read_only_metadata',
  'server_metadata',
  'selected_team_id',
  'is_anonymous',
  'restricted_by_admin',
  'restricted_by_admin_reason',
  'restricted_by_admin_private_details',
  'country_code',
  'risk_scores',
  'signed_up_at',
  'last_active_at',
  'updated_at',
  'version',
] as const satisfies readonly (keyof UserRow)[];
const allColumnsListed: Exclude<
  keyof UserRow,
  (typeof USER_COLUMN_NAMES)[number] | 'oauth_providers' | 'selected_team' | 'email_verification_required'
> extends never
  ? true
  : never = true;
void allColumnsListed;

/**
 * The select list of a UserRow from `authsync.users` known in the query as `table` (its alias; `users` by default,
 * which also names the table in an INSERT/UPDATE/DELETE … RETURNING): its columns, its provider accounts as a
 * JSON array, its selected team and its project's e-mail verification setting (one indexed lookup each), so every
 * reader of a user, users_sync included, sees them.
 */
export function userColumns(table = 'users'): string {
  const accounts = `(SELECT coalesce(jsonb_agg(jsonb_build_object('id', a.provider_id, 'account_id', a.account_id, 'email', a.email)
      ORDER BY a.created_at, a.provider_id, a.account_id), '[]'::jsonb)
    FROM authsync.oauth_accounts a WHERE a.user_id = ${table}.id) AS oauth_providers`;
  const team = `(SELECT to_jsonb(t) FROM authsync.teams t WHERE t.id = ${table}.selected_team_id) AS selected_team`;
  const verification = `coalesce((SELECT p.config -> 'require_email_verification' = 'true'::jsonb
    FROM authsync.projects p WHERE p.id = ${table}.project_id), false) AS email_verification_required`;
  return [...USER_COLUMN_NAMES.map((name) => `${table}.${name}`), accounts, team, verification].join(', ');
}

/** The select list of a UserRow (the table known as `users`). */
export const USER_COLUMNS = userColumns();

export type RestrictedReason = { type: 'anonymous' | 'email_not_verified' | 'restricted_by_administrator' } | null;

/**
 * Why a user is restricted, in Stack's order: anonymous; then a primary e-mail that is not verified (none counts as
 * not verified) when the project requires verification, ahead of an administrator's restriction because the user can
 * act on it; then restricted by an administrator. The list filter (`UserStore.list`) is the same rule in SQL.
 */
export function restrictedReason(
  user: Pick<UserRow, 'is_anonymous' | 'restricted_by_admin' | 'primary_email_verified' | 'email_verification_required'>,
): RestrictedReason {
  if (user.is_anonymous) return { type: 'anonymous' };
  if (user.email_verification_required && !user.primary_email_verified) return { type: 'email_not_verified' };
  if (user.restricted_by_admin) return { type: 'restricted_by_administrator' };
  return null;
}

export type ServerUser = ReturnType<typeof toServerUser>;

export function toServerUser(user: UserRow) {
  const reason = restrictedReason(user);
  const hasPassword = user.password_hash !== null;
  return {
    id: user.id,
    primary_email: user.primary_email,
    primary_email_verified: user.primary_email_verified,
    primary_email_auth_enabled: user.primary_email_auth_enabled,
    display_name: user.display_name,
    selected_team: user.selected_team ? toServerTeam(user.selected_team) : null,
    selected_team_id: user.selected_team_id,
    profile_image_url: user.profile_image_url,
    signed_up_at_millis: user.signed_up_at.getTime(),
    has_password: hasPassword,
    otp_auth_enabled: user.otp_auth_enabled,
    passkey_auth_enabled: user.passkey_auth_enabled,
    client_metadata: user.client_metadata ?? null,
    client_read_only_metadata: user.client_read_only_metadata ?? null,
    server_metadata: user.server_metadata ?? null,
    last_active_at_millis: user.last_active_at.getTime(),
    is_anonymous: user.is_anonymous,
    is_restricted: reason !== null,
    restricted_reason: reason,
    restricted_by_admin: user.restricted_by_admin,
    restricted_by_admin_reason: user.restricted_by_admin ? user.restricted_by_admin_reason : null,
    restricted_by_admin_private_details: user.restricted_by_admin ? user.restricted_by_admin_private_details : null,
    country_code: user.country_code,
    risk_scores: user.risk_scores,
    oauth_providers: user.oauth_providers ?? [],
    auth_with_email: hasPassword || user.otp_auth_enabled,
    requires_totp_mfa: user.totp_secret_base64 !== null,
  };
}

export function toClientUser(user: UserRow) {
  const s = toServerUser(user);
  return {
    id: s.id,
    primary_email: s.primary_email,
    primary_email_verified: s.primary_email_verified,
    display_name: s.display_name,
    client_metadata: s.client_metadata,
    client_read_only_metadata: s.client_read_only_metadata,
    profile_image_url: s.profile_image_url,
    signed_up_at_millis: s.signed_up_at_millis,
    has_password: s.has_password,
    auth_with_email: s.auth_with_email,
    oauth_providers: s.oauth_providers,
    selected_team_id: s.selected_team_id,
    requires_totp_mfa: s.requires_totp_mfa,
    otp_auth_enabled: s.otp_auth_enabled,
    passkey_auth_enabled: s.passkey_auth_enabled,
    is_anonymous: s.is_anonymous,
    is_restricted: s.is_restricted,
    restricted_reason: s.restricted_reason,
    restricted_by_admin: s.restricted_by_admin,
    restricted_by_admin_reason: s.restricted_by_admin_reason,
    selected_team: user.selected_team ? toClientTeam(user.selected_team) : null,
  };
}
