/**
 * Forward-only SQL migrations, applied in file-name order (file names start with a UTC timestamp). A track is a folder
 * of `migrations/` and the table that records, in the database it migrates, which of its files were applied:
 * authsync's own database (`migrations/`, `authsync.schema_migrations`), and in each project database the users_sync
 * track and the RLS kit's track (defined in src/sync and src/rls). Each file runs in one transaction with its
 * record, under a lock on the tracking table, so several servers (or two provisionings of one database) apply each
 * file exactly once.
 *
 * The lock is a table lock rather than an advisory key: end users run SQL in these databases through /sql, and any
 * role may take any advisory key, so an advisory key would let them hold off every server start. The tracking tables
 * live in schemas that grant end users nothing, so they cannot lock them. Only on a database that has no tracking
 * table yet, where nothing is to be guarded, is the track's advisory key used. Nothing pending: no lock taken.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database, Queryable } from './database.js';

export interface Migration {
  version: string;
  sql: string;
}

export interface MigrationTrack {
  /** The folder of the track's `.sql` files. */
  dir: string;
  /** The schema-qualified tracking table (`version`, `applied_at`); created, with its schema, on first use. */
  table: string;
  /** Arbitrary, fixed, one per track: serialises the runs that find no tracking table yet. */
  lockKey: number;
}

/** A folder of `migrations/` at the package root (the same relative path from src/ under tsx and from dist/). */
export function migrationsDir(subfolder = ''): string {
  return fileURLToPath(new URL(`../../migrations/${subfolder}`, import.meta.url));
}

/** authsync's own database. */
export const SERVER_TRACK: MigrationTrack = { dir: migrationsDir(), table: 'authsync.schema_migrations', lockKey: 7_345_600_001 };

export function listMigrations(dir = SERVER_TRACK.dir): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => ({ version: name.replace(/\.sql$/, ''), sql: fs.readFileSync(`${dir}/${name}`, 'utf8') }));
}

/** Applies pending migrations to authsync's own database; returns the versions it applied. */
export async function migrate(db: Database, migrations = listMigrations()): Promise<string[]> {
  return applyMigrations(db, SERVER_TRACK, migrations);
}

/** unique_violation (of a catalog), duplicate_schema, duplicate_table. */
const DUPLICATE_OBJECT_CODES = ['23505', '42P06', '42P07'];

/** Another process created the tracking table while this transaction waited: start again with fresh catalogs. */
class CreatedMeanwhile extends Error {}

/**
 * Applies a track's pending migrations, each in its own transaction; returns the versions it applied. Given a
 * transaction (a Queryable without `transaction`), applies them all in it instead.
 */
export async function applyMigrations(
  db: Queryable & Partial<Pick<Database, 'transaction'>>,
  track: MigrationTrack,
  migrations = listMigrations(track.dir),
): Promise<string[]> {
  const before = await appliedVersions(db, track);
  const applied: string[] = [];
  for (const migration of migrations) {
    if (before.has(migration.version)) continue;
    if (!db.transaction) {
      if (await applyOne(db, track, migration, false)) applied.push(migration.version);
      continue;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        if (await db.transaction((tx) => applyOne(tx, track, migration, attempt < 3))) applied.push(migration.version);
        break;
      } catch (error) {
        // A creation that raced another process's (its catalog caches were stale) fails as a duplicate: start again.
        const duplicate = DUPLICATE_OBJECT_CODES.includes((error as { code?: string }).code ?? '');
        if (!(error instanceof CreatedMeanwhile) && !(duplicate && attempt < 3 && before.size === 0)) throw error;
      }
    }
  }
  return applied;
}

async function applyOne(tx: Queryable, track: MigrationTrack, migration: Migration, mayRestart: boolean): Promise<boolean> {
  if (await trackingTableExists(tx, track)) {
    await tx.exec(`LOCK TABLE ${track.table} IN SHARE ROW EXCLUSIVE MODE`);
  } else {
    const { rows } = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [track.lockKey]);
    if (!rows[0]?.ok) {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [track.lockKey]);
      // The holder probably created the table: this transaction's catalog caches may not show it yet.
      if (mayRestart) throw new CreatedMeanwhile();
    }
    const schema = track.table.split('.')[0]!;
    // A new schema grants PUBLIC nothing, so end users can neither read nor lock the table.
    await tx.exec(`
      CREATE SCHEMA IF NOT EXISTS ${schema};
      CREATE TABLE IF NOT EXISTS ${track.table} (
        version text PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      );`);
  }
  const done = await tx.query(`SELECT 1 FROM ${track.table} WHERE version = $1`, [migration.version]);
  if (done.rowCount > 0) return false;
  await tx.exec(migration.sql);
  await tx.query(`INSERT INTO ${track.table} (version) VALUES ($1)`, [migration.version]);
  return true;
}

async function trackingTableExists(db: Queryable, track: MigrationTrack): Promise<boolean> {
  const { rows } = await db.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [track.table]);
  return rows[0]?.found === true;
}

/** Versions already applied, read without a lock (empty on a new database). */
export async function appliedVersions(db: Queryable, track: MigrationTrack): Promise<Set<string>> {
  if (!(await trackingTableExists(db, track))) return new Set();
  const done = await db.query<{ version: string }>(`SELECT version FROM ${track.table}`);
  return new Set(done.rows.map((row) => row.version));
}

/** The track's files not yet applied to this database, in order. */
export async function pendingMigrations(db: Queryable, track: MigrationTrack, migrations = listMigrations(track.dir)): Promise<string[]> {
  const done = await appliedVersions(db, track);
  return migrations.map((m) => m.version).filter((version) => !done.has(version));
}
