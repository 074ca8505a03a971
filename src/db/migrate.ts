/**
 * Forward-only SQL migrations from `migrations/` at the package root, applied in file-name order
 * (file names start with a UTC timestamp). Each file runs in one transaction, under an advisory
 * lock, so several servers starting at once apply each migration exactly once.
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
  const applied: string[] = [];
  for (const migration of migrations) {
    const didApply = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
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
