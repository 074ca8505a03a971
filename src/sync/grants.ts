/**
 * Access for app roles: USAGE on neon_auth and SELECT, REFERENCES on users_sync (REFERENCES is what lets a
 * non-owner role create a foreign key to it). Roles are recorded in the target (authsync_sync.grants) and
 * granted again whenever authsync re-creates the table. Re-runnable.
 */
import type { Database } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { APPLY_PUBLIC_PROFILES_SQL, PUBLIC_PROFILES_OPTION, REVOKE_PUBLIC_PROFILES_SQL } from './public-profiles.js';
import { ensureTarget, grantSql } from './target-schema.js';

/** A sync setup the user must fix (an unknown role, project or target, a malformed URL). */
export function syncSetupError(message: string): AppError {
  return new AppError('SYNC_SETUP', 400, message);
}

export async function grantAppRole(target: Database, role: string): Promise<void> {
  await ensureTarget(target);
  const { rowCount } = await target.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  if (rowCount === 0) throw syncSetupError(`The role "${role}" does not exist in that database. Create it first (CREATE ROLE ...).`);
  await target.transaction(async (tx) => {
    await tx.query('INSERT INTO authsync_sync.grants (role) VALUES ($1) ON CONFLICT DO NOTHING', [role]);
    const typed = await tx.query("SELECT 1 FROM authsync_sync.options WHERE name = 'typed_view'");
    await tx.exec(grantSql(role, typed.rowCount > 0));
  });
}

/** Creates neon_auth.users_sync_typed (typed columns over raw_json) and keeps it through re-provisioning. */
export async function enableTypedView(target: Database): Promise<void> {
  await ensureTarget(target);
  await target.query("INSERT INTO authsync_sync.options (name) VALUES ('typed_view') ON CONFLICT DO NOTHING");
  await ensureTarget(target);
}

/**
 * Lets `authenticated` read id, name, created_at, updated_at and deleted_at of neon_auth.users_sync (never e-mails or
 * raw_json), or takes that back (`enabled` false). Recorded in the target, so it survives re-creation of the table.
 */
export async function setPublicProfiles(target: Database, enabled: boolean): Promise<void> {
  await ensureTarget(target);
  await target.transaction(async (tx) => {
    if (enabled) {
      await tx.query('INSERT INTO authsync_sync.options (name) VALUES ($1) ON CONFLICT DO NOTHING', [PUBLIC_PROFILES_OPTION]);
      await tx.exec(APPLY_PUBLIC_PROFILES_SQL);
    } else {
      await tx.query('DELETE FROM authsync_sync.options WHERE name = $1', [PUBLIC_PROFILES_OPTION]);
      await tx.exec(REVOKE_PUBLIC_PROFILES_SQL);
    }
  });
}
