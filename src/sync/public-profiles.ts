/**
 * The public-profiles opt-in: `authenticated` may read the non-private columns of neon_auth.users_sync (an app that
 * shows other users' names, or joins them in a policy), never `raw_json` or `email`. Off by default: since RLS kit
 * version 7 no end-user role can read the table. Recorded as the option `public_profiles` in authsync_sync.options,
 * so ensureTarget grants it again whenever the table is re-created, and the kit's upgrade from version 6 (whose
 * table-level REVOKE also removes column grants) restores it.
 */

/** The legacy table's columns that say nothing private: no e-mail, no raw_json (server metadata, auth methods…). */
export const PUBLIC_PROFILE_COLUMNS = ['id', 'name', 'created_at', 'updated_at', 'deleted_at'] as const;

export const PUBLIC_PROFILES_OPTION = 'public_profiles';

const COLUMNS = PUBLIC_PROFILE_COLUMNS.join(', ');

/**
 * Grants the columns to `authenticated` when the option is recorded (and the role exists: an extra target on another
 * cluster may have no RLS kit). Safe to run anywhere, any number of times.
 */
export const APPLY_PUBLIC_PROFILES_SQL = `
DO $public_profiles$
BEGIN
  IF to_regclass('authsync_sync.options') IS NOT NULL AND to_regclass('neon_auth.users_sync') IS NOT NULL
     AND EXISTS (SELECT FROM authsync_sync.options WHERE name = '${PUBLIC_PROFILES_OPTION}')
     AND EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'authenticated') THEN
    GRANT USAGE ON SCHEMA neon_auth TO authenticated;
    GRANT SELECT (${COLUMNS}) ON neon_auth.users_sync TO authenticated;
  END IF;
END
$public_profiles$;`;

/** Takes the column grant back (the table-level privileges, if someone granted any by hand, stay as they are). */
export const REVOKE_PUBLIC_PROFILES_SQL = `
DO $public_profiles$
BEGIN
  IF to_regclass('neon_auth.users_sync') IS NOT NULL AND EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'authenticated') THEN
    REVOKE SELECT (${COLUMNS}) ON neon_auth.users_sync FROM authenticated;
  END IF;
END
$public_profiles$;`;
