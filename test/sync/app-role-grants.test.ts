/**
 * Grants: `grantAppRole` (authsync sync grant) lets a non-owner app role read users_sync and create a
 * foreign key to it; it is re-runnable and survives the table being dropped and re-created by authsync.
 * The typed view is opt-in and reads the same rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/postgres.js';
import { enableTypedView, grantAppRole } from '../../src/sync/grants.js';
import { ensureTarget } from '../../src/sync/target-schema.js';
import { adminQuery, databaseUrl } from '../helpers/databases.js';
import { useTestServer } from '../helpers/server.js';
import { call } from './sync-helpers.js';

describe('app role grants on users_sync', () => {
  const t = useTestServer();
  const role = `app_${randomBytes(4).toString('hex')}`;
  let asApp: pg.Client;
  beforeAll(async () => {
    await adminQuery(`CREATE ROLE ${role} LOGIN PASSWORD 'app-password'`);
    const dbName = new URL(t.databaseUrl!).pathname.slice(1);
    await adminQuery(`GRANT CREATE, CONNECT ON DATABASE ${dbName} TO ${role}`);
    const owner = new pg.Client({ connectionString: t.databaseUrl! });
    await owner.connect();
    await owner.query(`GRANT CREATE, USAGE ON SCHEMA public TO ${role}`);
    await owner.end();
    asApp = new pg.Client({ connectionString: databaseUrl(dbName, { name: role, password: 'app-password' }) });
    await asApp.connect();
  });
  afterAll(async () => {
    await asApp?.end();
    await t.stop(); // before the cleanup below, which needs the server gone (the fixture's stop is then a no-op)
    await adminQuery(`DROP ROLE IF EXISTS ${role}`);
  });

  it('a non-owner role cannot reference users_sync before the grant, and can after it (re-runnable, kept across re-creation)', async () => {
    const user = await call(t, { projectId: t.projectId, keys: t.keys }, 'POST', '/users', { display_name: 'Gina' });
    const ddl = (name: string) =>
      `CREATE TABLE ${name} (id serial PRIMARY KEY, user_id TEXT REFERENCES neon_auth.users_sync(id) ON DELETE CASCADE)`;
    await expect(asApp.query(ddl('notes_before'))).rejects.toThrow(/permission denied for (schema neon_auth|table users_sync)/);

    const db = openPostgres(t.databaseUrl!, { max: 1 });
    try {
      await grantAppRole(db, role);
      await grantAppRole(db, role);
      await expect(grantAppRole(db, 'no_such_role_here')).rejects.toThrow(/does not exist/);
      await asApp.query(ddl('notes'));
      await asApp.query('INSERT INTO notes (user_id) VALUES ($1)', [user.json.id]);
      expect((await asApp.query('SELECT name FROM neon_auth.users_sync WHERE id = $1', [user.json.id])).rows).toEqual([{ name: 'Gina' }]);

      // Dropped by hand and re-created by authsync: the recorded grant comes back with it.
      await asApp.query('DROP TABLE notes');
      await db.exec('DROP TABLE neon_auth.users_sync');
      await ensureTarget(db);
      await asApp.query(ddl('notes_again'));

      // Typed view: opt-in, typed columns over the same rows, granted to the recorded roles.
      await call(t, { projectId: t.projectId, keys: t.keys }, 'POST', '/users', {
        display_name: 'Hal',
        primary_email: 'hal@example.com',
        primary_email_verified: true,
        profile_image_url: 'https://example.com/hal.png',
      });
      await enableTypedView(db);
      const { rows } = await asApp.query(
        `SELECT name, email_verified, profile_image_url, is_anonymous, has_password, pg_typeof(email_verified)::text AS t FROM neon_auth.users_sync_typed WHERE name = 'Hal'`,
      );
      expect(rows).toEqual([
        {
          name: 'Hal',
          email_verified: true,
          profile_image_url: 'https://example.com/hal.png',
          is_anonymous: false,
          has_password: false,
          t: 'boolean',
        },
      ]);
    } finally {
      await db.close();
    }
  });
});
