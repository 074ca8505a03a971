/**
 * Forward-only SQL migrations from `migrations/` at the package root, applied in file-name order
 * (file names start with a UTC timestamp). Each file runs in one transaction, under a lock on
 * `authsync.schema_migrations`, so several servers starting at once apply each migration exactly once.
 *
 * The lock is a table lock rather than an advisory key: end users run SQL in this database through /sql
 * (the app database is the server's by default), and any role may take any advisory key, so an advisory
 * key would let them hold off every server start. Only on a database that has no migrations table yet,
 * where nothing is to be guarded, is the advisory key used. A start with nothing pending takes no lock.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
/** Arbitrary, fixed: the advisory lock that serialises migration runs. */
const MIGRATION_LOCK_KEY = 7_345_600_001;

export interface Migration {
  version: string;
  sql: string;
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => ({ version: name.replace(/\.sql$/, ''), sql: fs.readFileSync(`${dir}/${name}`, 'utf8') }));
}

/** Applies pending migrations; returns the versions it applied. */
export async function migrate(db: Database, migrations = listMigrations()): Promise<string[]> {
  const before = await appliedVersions(db);
  const applied: string[] = [];
  for (const migration of migrations) {
    if (before.has(migration.version)) continue;
    const didApply = await db.transaction(async (tx) => {
      const { rows } = await tx.query<{ found: boolean }>(`SELECT to_regclass('authsync.schema_migrations') IS NOT NULL AS found`);
      if (rows[0]?.found) await tx.exec('LOCK TABLE authsync.schema_migrations IN SHARE ROW EXCLUSIVE MODE');
      else await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      await tx.exec(`
        CREATE SCHEMA IF NOT EXISTS authsync;
        CREATE TABLE IF NOT EXISTS authsync.schema_migrations (
          version text PRIMARY KEY,
          applied_at timestamptz NOT NULL DEFAULT now()
        );`);
      const done = await tx.query('SELECT 1 FROM authsync.schema_migrations WHERE version = $1', [migration.version]);
      if (done.rowCount > 0) return false;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO authsync.schema_migrations (version) VALUES ($1)', [migration.version]);
      return true;
    });
    if (didApply) applied.push(migration.version);
  }
  return applied;
}

/** Versions already applied, read without a lock (empty on a new database). */
async function appliedVersions(db: Database): Promise<Set<string>> {
  const { rows } = await db.query<{ found: boolean }>(`SELECT to_regclass('authsync.schema_migrations') IS NOT NULL AS found`);
  if (!rows[0]?.found) return new Set();
  const done = await db.query<{ version: string }>('SELECT version FROM authsync.schema_migrations');
  return new Set(done.rows.map((row) => row.version));
}
