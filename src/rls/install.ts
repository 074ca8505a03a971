/**
 * Installs the RLS kit into an app database, or brings it up to date: the cluster-wide roles (end-user-roles.ts: roles
 * belong to the cluster, not to the database's schema), then the database's schema as versioned SQL files: the
 * users_sync track (the kit grants on neon_auth) and the kit's own track, `migrations/rls-kit/` (schema `auth`, the
 * identity store, the Neon-documented grants), recorded in `authsync_kit.schema_migrations`; then the one step that
 * depends on who installs (signal functions). Run for every project's app database at provisioning, at start when a
 * kit migration is pending, on first `/sql` use and by `authsync rls install`.
 */
import type { Database, Queryable } from '../db/database.js';
import { applyMigrations, appliedVersions, migrationsDir, pendingMigrations, type MigrationTrack } from '../db/migrate.js';
import { migrateUsersSync } from '../sync/target-schema.js';
import { ensureEndUserRoles, retryConcurrentUpdate } from './end-user-roles.js';

/** The kit's migrations; the tracking table's schema grants end users nothing (they cannot read or lock it). */
export const KIT_TRACK: MigrationTrack = { dir: migrationsDir('rls-kit'), table: 'authsync_kit.schema_migrations', lockKey: 7_345_600_401 };

export interface InstallOptions {
  /** Server secret the role passwords derive from. */
  serverSecret: string;
  /** Also create this instance's login roles and set their passwords (not on PGlite, where nobody logs in). @default true */
  setPasswords?: boolean;
}

export async function installKit(db: Queryable & Partial<Pick<Database, 'transaction'>>, options: InstallOptions): Promise<void> {
  await migrateUsersSync(db);
  await ensureEndUserRoles(db, { serverSecret: options.serverSecret, logins: options.setPasswords !== false });
  await applyMigrations(db, KIT_TRACK);
  // Catalog rows of this database: two installs at once may update the same ones.
  await retryConcurrentUpdate(() => db.exec(KEEP_SIGNALS_FROM_END_USERS_SQL));
}

/**
 * Every end user shares the role authenticated (or anonymous), and PostgreSQL lets a role signal any backend of the
 * same role: one user could cancel or terminate another's queries. Only a superuser may change the functions'
 * privileges; the installer keeps them, and so does the database's owner. Other installers leave them as they are
 * (authsync says so in its log at start: see endUsersCanSignalBackends). Not a migration: it depends on who installs,
 * so it runs at every install (a superuser's `authsync rls install` after a CREATEROLE owner's provisioning does it).
 */
const KEEP_SIGNALS_FROM_END_USERS_SQL = `
DO $signal$
DECLARE owner name := (SELECT pg_catalog.pg_get_userbyid(d.datdba) FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database());
BEGIN
  IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    REVOKE EXECUTE ON FUNCTION pg_catalog.pg_cancel_backend(integer) FROM PUBLIC;
    REVOKE EXECUTE ON FUNCTION pg_catalog.pg_terminate_backend(integer, bigint) FROM PUBLIC;
    EXECUTE format('GRANT EXECUTE ON FUNCTION pg_catalog.pg_cancel_backend(integer) TO %I', current_user);
    EXECUTE format('GRANT EXECUTE ON FUNCTION pg_catalog.pg_terminate_backend(integer, bigint) TO %I', current_user);
    IF owner NOT IN ('authenticated', 'anonymous') THEN
      EXECUTE format('GRANT EXECUTE ON FUNCTION pg_catalog.pg_cancel_backend(integer) TO %I', owner);
      EXECUTE format('GRANT EXECUTE ON FUNCTION pg_catalog.pg_terminate_backend(integer, bigint) TO %I', owner);
    END IF;
  END IF;
END
$signal$;`;

/** The last kit migration applied to this database, or undefined when the kit is absent. */
export async function installedKitVersion(db: Queryable): Promise<string | undefined> {
  return [...(await appliedVersions(db, KIT_TRACK))].sort().at(-1);
}

/** Whether every kit migration is applied (a kit installed before the kit lived in migrations is not). */
export async function kitIsCurrent(db: Queryable): Promise<boolean> {
  return (await pendingMigrations(db, KIT_TRACK)).length === 0;
}

/**
 * Whether the end-user roles may still call pg_cancel_backend or pg_terminate_backend here: the kit takes them away
 * from PUBLIC only when a superuser installs it (see KEEP_SIGNALS_FROM_END_USERS_SQL). undefined when the roles do not exist.
 */
export async function endUsersCanSignalBackends(db: Queryable): Promise<boolean | undefined> {
  const { rows } = await db.query<{ can: boolean | null }>(
    `SELECT CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'authenticated')
       THEN has_function_privilege('authenticated', 'pg_catalog.pg_terminate_backend(integer, bigint)', 'EXECUTE')
         OR has_function_privilege('authenticated', 'pg_catalog.pg_cancel_backend(integer)', 'EXECUTE') END AS can`,
  );
  return rows[0]?.can ?? undefined;
}
