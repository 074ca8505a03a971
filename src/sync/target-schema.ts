/**
 * Everything authsync keeps in a users_sync target (the app database or an extra target): the legacy
 * `neon_auth.users_sync` table, untouched in shape, and beside it the schema `authsync_sync` (user versions,
 * checkpoints, recorded grants and opt-ins, `apply_outbox_batch`). Their SQL is the users_sync track of migrations,
 * `migrations/users-sync/` (each file says what it creates), recorded in `authsync_sync.schema_migrations`: dropping
 * the bookkeeping schema by hand forgets the track, so it is applied again.
 *
 * On top of the migrations, what depends on the opt-ins recorded in the target: the typed view, the app roles'
 * grants and the public-profiles column grant, granted again whenever the table is re-created.
 * Idempotent: run at project creation, at every start and before every resync.
 */
import type { Database, Queryable } from '../db/database.js';
import { quoteIdent } from '../db/database.js';
import { applyMigrations, listMigrations, migrationsDir, type MigrationTrack } from '../db/migrate.js';
import { APPLY_PUBLIC_PROFILES_SQL } from './public-profiles.js';
import { TYPED_VIEW_DDL } from './typed-view.js';

export const USERS_SYNC_TRACK: MigrationTrack = {
  dir: migrationsDir('users-sync'),
  table: 'authsync_sync.schema_migrations',
  lockKey: 7_345_600_301,
};

/** The track's file that creates neon_auth.users_sync (idempotent, so it is also how a dropped table comes back). */
const USERS_SYNC_TABLE_FILE = '_users_sync_table';
/** The same for neon_auth.teams_sync and team_members_sync. */
const TEAM_DATA_TABLES_FILE = '_team_data';

/**
 * What `authenticated` may read of the team data (once a project keeps it in the database): everything of the
 * memberships, the team's name but not its raw_json (server metadata).
 */
export const TEAM_DATA_GRANT_SQL = `
DO $team_data$
BEGIN
  IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'authenticated') THEN
    GRANT USAGE ON SCHEMA neon_auth TO authenticated;
    GRANT SELECT (id, name, created_at, updated_at) ON neon_auth.teams_sync TO authenticated;
    GRANT SELECT ON neon_auth.team_members_sync TO authenticated;
  END IF;
END
$team_data$;`;

type MaybeTransactional = Queryable & Partial<Pick<Database, 'transaction'>>;

/** Applies the users_sync track's pending migrations (in the caller's transaction when given one). */
export function migrateUsersSync(db: MaybeTransactional): Promise<string[]> {
  return applyMigrations(db, USERS_SYNC_TRACK);
}

/** Creates the users_sync table and the bookkeeping schema; re-applies recorded grants and opt-ins. */
export async function ensureTarget(db: MaybeTransactional): Promise<void> {
  await migrateUsersSync(db);
  const run = async (tx: Queryable) => {
    // Serialises the re-application with other processes (a table end users cannot lock).
    await tx.exec('LOCK TABLE authsync_sync.grants IN SHARE ROW EXCLUSIVE MODE');
    // Someone dropped the table by hand (the track is recorded as applied): its migration creates it again.
    const { rows: table } = await tx.query<{ found: boolean; teams: boolean; team_data: boolean }>(
      `SELECT to_regclass('neon_auth.users_sync') IS NOT NULL AS found,
              to_regclass('neon_auth.teams_sync') IS NOT NULL AND to_regclass('neon_auth.team_members_sync') IS NOT NULL AS teams,
              EXISTS (SELECT FROM authsync_sync.team_data) AS team_data`,
    );
    if (!table[0]?.found) await tx.exec(trackFileSql(USERS_SYNC_TABLE_FILE));
    // The same for the team data tables; `authenticated` reads them again when a project keeps team data here.
    if (!table[0]?.teams) await tx.exec(trackFileSql(TEAM_DATA_TABLES_FILE));
    if (table[0]?.team_data) await tx.exec(TEAM_DATA_GRANT_SQL);
    const { rows: options } = await tx.query<{ name: string }>('SELECT name FROM authsync_sync.options');
    if (options.some((o) => o.name === 'typed_view')) await tx.exec(TYPED_VIEW_DDL);
    const { rows: grants } = await tx.query<{ role: string }>(
      'SELECT g.role FROM authsync_sync.grants g JOIN pg_roles r ON r.rolname = g.role ORDER BY g.role',
    );
    for (const { role } of grants)
      await tx.exec(
        grantSql(
          role,
          options.some((o) => o.name === 'typed_view'),
        ),
      );
    // The public-profiles opt-in (a column grant to authenticated), when recorded.
    await tx.exec(APPLY_PUBLIC_PROFILES_SQL);
  };
  if (!db.transaction) return run(db);
  return db.transaction(run);
}

/** A file of the track that is idempotent (creates what is missing), by the end of its name. */
export function trackFileSql(suffix: string): string {
  const file = listMigrations(USERS_SYNC_TRACK.dir).find((m) => m.version.endsWith(suffix));
  if (!file) throw new Error(`migrations/users-sync has no file ending in ${suffix}.sql`);
  return file.sql;
}

/** The statements that give `role` read and foreign-key access to users_sync, the team data tables (and the typed view when present). */
export function grantSql(role: string, typedView: boolean): string {
  const r = quoteIdent(role);
  return [
    `GRANT USAGE ON SCHEMA neon_auth TO ${r};`,
    `GRANT SELECT, REFERENCES ON neon_auth.users_sync TO ${r};`,
    // The team data tables (empty unless a project turned them on): policies of the role's tables may join them.
    // (Skipped while someone has dropped one by hand: the next ensureTarget re-creates it, then grants again.)
    `DO $team_data$ BEGIN IF to_regclass('neon_auth.teams_sync') IS NOT NULL AND to_regclass('neon_auth.team_members_sync') IS NOT NULL THEN
       GRANT SELECT, REFERENCES ON neon_auth.teams_sync, neon_auth.team_members_sync TO ${r}; END IF; END $team_data$;`,
    ...(typedView ? [`GRANT SELECT ON neon_auth.users_sync_typed TO ${r};`] : []),
  ].join('\n');
}
