/**
 * A project database that authsync set up before its schema lived in versioned SQL files (test/fixtures: an app
 * database with the RLS kit version 7, users_sync rows, the public-profiles opt-in and an app role's grant; a sync
 * target with the typed view) is brought up to date by the migrations: every file recorded once, a second run
 * applies nothing, users_sync keeps its rows and stays private to end users, /sql with a real token still runs under
 * RLS there, and the schema is then the same as a freshly migrated database's. An older kit (6) also loses the
 * end-user roles' SELECT on users_sync, keeping the public-profiles opt-in.
 */
import { neon, neonConfig } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/postgres.js';
import type { Database } from '../../src/db/database.js';
import { appliedVersions, applyMigrations, listMigrations } from '../../src/db/migrate.js';
import { provisionProject } from '../../src/provisioning/provision.js';
import { createProject } from '../../src/projects/projects.js';
import { installKit, KIT_TRACK } from '../../src/rls/install.js';
import { projectSqlUrls } from '../../src/sql/project-urls.js';
import { enableTypedView, grantAppRole, setPublicProfiles } from '../../src/sync/grants.js';
import { ensureTarget, USERS_SYNC_TRACK } from '../../src/sync/target-schema.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call, withClient } from '../sync/sync-helpers.js';
import { catalogDump, FIXTURE_SECRET, restoreFixture } from './app-schema-helpers.js';

const databases: TestDatabase[] = [];
const opened: Database[] = [];

async function database(prefix: string): Promise<{ url: string; db: Database }> {
  const created = await createTestDatabase(prefix);
  databases.push(created);
  const db = openPostgres(created.url, { max: 2 });
  opened.push(db);
  return { url: created.url, db };
}

/** What provisioning does to an app database. */
async function provisionApp(db: Database): Promise<void> {
  await ensureTarget(db);
  await installKit(db, { serverSecret: FIXTURE_SECRET, setPasswords: false });
}

const versions = (dir: string) => listMigrations(dir).map((m) => m.version);

/** Runs `sql` as `role` in one transaction, rolled back; the error message or 'ok'. */
async function asRole(url: string, role: string, sql: string): Promise<string> {
  return withClient(url, async (client) => {
    await client.query(`BEGIN; SET LOCAL ROLE ${role}`);
    try {
      await client.query(sql);
      return 'ok';
    } catch (error) {
      return (error as Error).message;
    } finally {
      await client.query('ROLLBACK');
    }
  });
}

afterAll(async () => {
  for (const db of opened) await db.close();
  for (const d of databases) await d.drop();
});

describe('an app database set up before migrations', () => {
  let app: { url: string; db: Database };

  beforeAll(async () => {
    app = await database('authsync_upgrade_app');
    await restoreFixture(app.url, 'app-database-from-main');
    await provisionApp(app.db);
  });

  it('has every migration of both tracks recorded once, and the old kit record is gone', async () => {
    expect([...(await appliedVersions(app.db, USERS_SYNC_TRACK))].sort()).toEqual(versions(USERS_SYNC_TRACK.dir));
    expect([...(await appliedVersions(app.db, KIT_TRACK))].sort()).toEqual(versions(KIT_TRACK.dir));
    const { rows } = await app.db.query<{ kit: string | null }>("SELECT to_regclass('authsync_rls.kit')::text AS kit");
    expect(rows[0]!.kit).toBeNull();
  });

  it('a second run applies nothing', async () => {
    expect(await applyMigrations(app.db, USERS_SYNC_TRACK)).toEqual([]);
    expect(await applyMigrations(app.db, KIT_TRACK)).toEqual([]);
    await provisionApp(app.db);
    const { rows } = await app.db.query<{ n: number }>(
      'SELECT (SELECT count(*) FROM authsync_sync.schema_migrations) + (SELECT count(*) FROM authsync_kit.schema_migrations) AS n',
    );
    expect(Number(rows[0]!.n)).toBe(versions(USERS_SYNC_TRACK.dir).length + versions(KIT_TRACK.dir).length);
  });

  it('keeps the users_sync rows, their versions and the checkpoint', async () => {
    const { rows } = await app.db.query<{ name: string; email: string }>('SELECT name, email FROM neon_auth.users_sync ORDER BY name');
    expect(rows).toEqual([
      { name: 'Alice', email: 'alice@example.com' },
      { name: 'Bob', email: 'bob@example.com' },
      { name: 'Carol', email: 'carol@example.com' },
    ]);
    const counts = await app.db.query<{ versions: string; checkpoints: string }>(
      'SELECT (SELECT count(*) FROM authsync_sync.user_versions) AS versions, (SELECT count(*) FROM authsync_sync.checkpoints) AS checkpoints',
    );
    expect(counts.rows[0]).toEqual({ versions: 3, checkpoints: 1 });
  });

  it('keeps users_sync private to end users, with the public-profiles opt-in and the app role grant it had', async () => {
    expect(await asRole(app.url, 'anonymous', 'SELECT id FROM neon_auth.users_sync')).toBe('permission denied for table users_sync');
    expect(await asRole(app.url, 'authenticated', 'SELECT email FROM neon_auth.users_sync')).toBe('permission denied for table users_sync');
    expect(await asRole(app.url, 'authenticated', 'SELECT raw_json FROM neon_auth.users_sync')).toBe(
      'permission denied for table users_sync',
    );
    expect(await asRole(app.url, 'authenticated', 'SELECT id, name, created_at, updated_at, deleted_at FROM neon_auth.users_sync')).toBe(
      'ok',
    );
    expect(await asRole(app.url, 'authsync_fixture_reader', 'SELECT email FROM neon_auth.users_sync')).toBe('ok');
  });

  it('end users can neither read nor lock the tracking tables', async () => {
    for (const role of ['authenticated', 'anonymous']) {
      for (const table of [KIT_TRACK.table, USERS_SYNC_TRACK.table]) {
        expect(await asRole(app.url, role, `SELECT * FROM ${table}`)).toMatch(/permission denied for schema/);
        expect(await asRole(app.url, role, `LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE`)).toMatch(/permission denied for schema/);
      }
    }
  });

  it('ends with the schema of a freshly migrated database with the same opt-ins', async () => {
    const fresh = await database('authsync_fresh_app');
    await provisionApp(fresh.db);
    await setPublicProfiles(fresh.db, true);
    await grantAppRole(fresh.db, 'authsync_fixture_reader');
    const [upgraded, expected] = [await catalogDump(app.db), await catalogDump(fresh.db)];
    expect(upgraded.length).toBeGreaterThan(50);
    expect(upgraded).toEqual(expected);
  });
});

describe('an app database with a kit of version 6', () => {
  it('loses the end-user roles SELECT on users_sync, and keeps the public-profiles opt-in', async () => {
    const app = await database('authsync_upgrade_kit6');
    await restoreFixture(app.url, 'app-database-from-main');
    // What a version-6 kit left: its version recorded, and SELECT on users_sync for every end user.
    await app.db.exec(`UPDATE authsync_rls.kit SET version = 6; GRANT SELECT ON neon_auth.users_sync TO authenticated, anonymous`);
    expect(await asRole(app.url, 'anonymous', 'SELECT email FROM neon_auth.users_sync')).toBe('ok');
    await provisionApp(app.db);
    expect(await asRole(app.url, 'anonymous', 'SELECT id FROM neon_auth.users_sync')).toBe('permission denied for table users_sync');
    expect(await asRole(app.url, 'authenticated', 'SELECT email FROM neon_auth.users_sync')).toBe('permission denied for table users_sync');
    expect(await asRole(app.url, 'authenticated', 'SELECT id, name FROM neon_auth.users_sync')).toBe('ok');
  });
});

describe('a sync target set up before migrations', () => {
  it('is migrated, keeps its rows and its typed view, and ends with the schema of a fresh target', async () => {
    const target = await database('authsync_upgrade_target');
    await restoreFixture(target.url, 'sync-target-from-main');
    await ensureTarget(target.db);
    expect([...(await appliedVersions(target.db, USERS_SYNC_TRACK))].sort()).toEqual(versions(USERS_SYNC_TRACK.dir));
    expect(await applyMigrations(target.db, USERS_SYNC_TRACK)).toEqual([]);
    const { rows } = await target.db.query<{ name: string }>('SELECT name FROM neon_auth.users_sync_typed ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual(['Alice', 'Bob']);
    const fresh = await database('authsync_fresh_target');
    await enableTypedView(fresh.db);
    expect(await catalogDump(target.db)).toEqual(await catalogDump(fresh.db));
  });
});

describe('/sql on an app database set up before migrations', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer();
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('runs a token holder SQL under RLS once the project is provisioned there', async () => {
    const app = await database('authsync_upgrade_sql');
    await restoreFixture(app.url, 'app-database-from-main');
    const { ctx } = t.server;
    const { project, keys } = await createProject(ctx.db, ctx.box, { displayName: 'Upgraded', appDatabaseUrl: app.url });
    await provisionProject(ctx, project.id);
    expect([...(await appliedVersions(app.db, KIT_TRACK))].sort()).toEqual(versions(KIT_TRACK.dir));
    await app.db.exec(`CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id text NOT NULL DEFAULT (auth.user_id()), body text NOT NULL);
      ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
      CREATE POLICY own_notes ON notes TO authenticated USING (user_id = (select auth.user_id())) WITH CHECK (user_id = (select auth.user_id()));
      GRANT SELECT, INSERT ON notes TO authenticated`);
    const p = { projectId: project.id, keys };
    const tokens: string[] = [];
    for (const email of ['alice@example.com', 'bob@example.com']) {
      const res = await call(t, p, 'POST', '/auth/password/sign-up', { email, password: 'correct horse battery staple' }, true);
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      tokens.push(res.json.access_token as string);
    }
    const urls = projectSqlUrls(ctx.config, project.id, app.url);
    neonConfig.fetchEndpoint = urls.sqlEndpoint;
    const [asAlice, asBob] = tokens.map((authToken) => neon(urls.databaseAuthenticatedUrl, { authToken }));
    await asAlice!`INSERT INTO notes (body) VALUES ('alice''s note')`;
    await asBob!`INSERT INTO notes (body) VALUES ('bob''s note')`;
    expect(await asAlice!`SELECT body FROM notes`).toEqual([{ body: "alice's note" }]);
    expect(await asBob!`SELECT body FROM notes`).toEqual([{ body: "bob's note" }]);
    await expect(asAlice!`SELECT email FROM neon_auth.users_sync`).rejects.toThrow('permission denied for table users_sync');
    // The app database's users_sync kept the fixture's rows and got the new users (zero-lag or by the worker).
    const { rows } = await app.db.query<{ n: string }>(
      "SELECT count(*) AS n FROM neon_auth.users_sync WHERE name IN ('Alice', 'Bob', 'Carol')",
    );
    expect(Number(rows[0]!.n)).toBe(3);
  });
});
