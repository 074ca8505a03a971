/**
 * The migration lock cannot be taken by end-user SQL: /sql runs client SQL in the server's own database (the
 * default app database), and any role may take any advisory key. The test takes the old migration key from a
 * role with no privilege of its own (as `authenticated` has), and the server's migrations still run at once.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { listMigrations, migrate } from '../../src/db/migrate.js';
import { openPostgres } from '../../src/db/postgres.js';
import { adminQuery, createTestDatabase, databaseUrl, type TestDatabase } from '../helpers/databases.js';

/** The advisory key the migrator used before (src/db/migrate.ts). */
const OLD_MIGRATION_KEY = 7_345_600_001;

describe('server start is not blocked by end users', () => {
  let database: TestDatabase;
  let db: Database;
  const role = `end_user_${randomBytes(4).toString('hex')}`;
  let endUser: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = openPostgres(database.url, { max: 2 });
    await migrate(db);
    await adminQuery(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`);
    endUser = new pg.Client({ connectionString: databaseUrl(database.name, { name: role }) });
    await endUser.connect();
  });

  afterAll(async () => {
    await endUser?.end().catch(() => undefined);
    await db?.close();
    await database?.drop();
    await adminQuery(`DROP ROLE IF EXISTS ${role}`);
  });

  it('a pending migration applies while an end user holds the old advisory key, and the new lock is out of its reach', async () => {
    await endUser.query('SELECT pg_advisory_lock($1)', [OLD_MIGRATION_KEY]);
    await expect(endUser.query('BEGIN; LOCK TABLE authsync.schema_migrations IN SHARE ROW EXCLUSIVE MODE')).rejects.toThrow(
      /permission denied/,
    );
    await endUser.query('ROLLBACK');

    const pending = { version: '29991231000000_probe', sql: 'CREATE TABLE authsync.migration_probe (id int);' };
    const started = Date.now();
    const applied = await Promise.race([
      migrate(db, [...listMigrations(), pending]),
      new Promise<string[]>((_, reject) => setTimeout(() => reject(new Error('migrate waited for the end user')), 10_000)),
    ]);
    expect(applied).toEqual([pending.version]);
    expect(Date.now() - started).toBeLessThan(10_000);
    const { rows } = await db.query<{ found: boolean }>(`SELECT to_regclass('authsync.migration_probe') IS NOT NULL AS found`);
    expect(rows[0]!.found).toBe(true);
    await endUser.query('SELECT pg_advisory_unlock_all()');
  });

  it('a start with nothing pending takes no lock at all', async () => {
    // A session that holds the migrations table itself (only the owner could): nothing pending, so no wait.
    const owner = new pg.Client({ connectionString: database.url });
    await owner.connect();
    try {
      await owner.query('BEGIN; LOCK TABLE authsync.schema_migrations IN SHARE ROW EXCLUSIVE MODE');
      const applied = await Promise.race([
        migrate(db),
        new Promise<string[]>((_, reject) => setTimeout(() => reject(new Error('migrate waited with nothing pending')), 5_000)),
      ]);
      expect(applied).toEqual([]);
    } finally {
      await owner.query('ROLLBACK');
      await owner.end();
    }
  });
});
