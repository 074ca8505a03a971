/**
 * Installs the RLS kit into a database: the end-user roles (with passwords only authsync knows), schema `auth`,
 * the identity store and the Neon-documented grants. Idempotent; run for every project's app database at
 * provisioning and by `authsync rls install`.
 */
import type { Queryable } from '../db/database.js';
import { quoteLiteral } from '../db/database.js';
import { APPLY_PUBLIC_PROFILES_SQL } from '../sync/public-profiles.js';
import { ensureUsersSyncTable } from '../sync/users-sync-table.js';
import { END_USER_ROLES, ROLES_SQL, rolePassword } from './end-user-roles.js';
import { KIT_SQL, KIT_VERSION, UPGRADE_FROM_6_SQL } from './kit-sql.js';

export interface InstallOptions {
  /** Server secret the role passwords derive from. */
  serverSecret: string;
  /** Also set the role passwords (not possible on PGlite, where nobody logs in). @default true */
  setPasswords?: boolean;
}

export async function installKit(db: Queryable, options: InstallOptions): Promise<void> {
  await ensureUsersSyncTable(db);
  // Roles are cluster-wide: two databases provisioned at once may alter the same role rows concurrently.
  await retryConcurrentUpdate(() => db.exec(ROLES_SQL));
  if (options.setPasswords !== false) {
    for (const role of END_USER_ROLES) {
      await retryConcurrentUpdate(() => db.exec(`ALTER ROLE ${role} PASSWORD ${quoteLiteral(rolePassword(options.serverSecret, role))}`));
    }
  }
  const previous = await installedKitVersion(db);
  await db.exec(KIT_SQL);
  if (previous !== undefined && previous <= 6) {
    // Kits up to 6 let every end user read neon_auth.users_sync (e-mails, server metadata). Only at this upgrade:
    // the REVOKE also removes column grants, so the public-profiles opt-in (if recorded) is granted again.
    await db.exec(UPGRADE_FROM_6_SQL);
    await db.exec(APPLY_PUBLIC_PROFILES_SQL);
  }
}

/** Retries a catalog update that lost a race with the same update in another session ("tuple concurrently updated"). */
export async function retryConcurrentUpdate(run: () => Promise<void>, attempts = 5): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= attempts || !/tuple concurrently (updated|deleted)/.test((error as Error).message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}

/** The installed kit version, or undefined when the kit is absent. */
export async function installedKitVersion(db: Queryable): Promise<number | undefined> {
  const exists = await db.query<{ found: boolean }>(`SELECT to_regclass('authsync_rls.kit') IS NOT NULL AS found`);
  if (!exists.rows[0]?.found) return undefined;
  const { rows } = await db.query<{ version: number | null }>('SELECT max(version) AS version FROM authsync_rls.kit');
  const version = rows[0]?.version;
  return version === null || version === undefined ? undefined : Number(version);
}

export async function kitIsCurrent(db: Queryable): Promise<boolean> {
  return (await installedKitVersion(db)) === KIT_VERSION;
}

/**
 * Whether the end-user roles may still call pg_cancel_backend or pg_terminate_backend here: the kit takes them away
 * from PUBLIC only when a superuser installs it (see KIT_SQL). undefined when the roles do not exist.
 */
export async function endUsersCanSignalBackends(db: Queryable): Promise<boolean | undefined> {
  const { rows } = await db.query<{ can: boolean | null }>(
    `SELECT CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'authenticated')
       THEN has_function_privilege('authenticated', 'pg_catalog.pg_terminate_backend(integer, bigint)', 'EXECUTE')
         OR has_function_privilege('authenticated', 'pg_catalog.pg_cancel_backend(integer)', 'EXECUTE') END AS can`,
  );
  return rows[0]?.can ?? undefined;
}
