/**
 * neon_auth.users_sync holds every user's e-mail and raw_json (server metadata included). Through /sql, any visitor
 * (an anonymous user's token) or signed-in user used to read it all: kits up to version 6 granted SELECT to the
 * end-user roles. Now they read nothing of it by default; the upgrade from a kit-6 database takes the old grant back;
 * `authsync sync public-profiles` opts in to id, name, created_at, updated_at and deleted_at for `authenticated` (kept
 * when the table is re-created, and through later kit installs); foreign keys to users_sync keep working for inserts
 * by `authenticated`.
 */
import { neon, NeonDbError, type NeonQueryFunction } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionAppDatabasesAtStart } from '../../src/provisioning/provision.js';
import { installKit, kitIsCurrent } from '../../src/rls/install.js';
import { readOrCreateSecret } from '../../src/server/secret.js';
import { grantAppRole } from '../../src/sync/grants.js';
import { ensureTarget } from '../../src/sync/target-schema.js';
import { runCli } from '../cli/run-cli.js';
import type { TestServer } from '../helpers/server.js';
import { appOwnerRole, signUpAnonymous, startTodosFixture, type sqlUrls, type TestUser } from '../rls/support.js';

let t: TestServer;
let urls: ReturnType<typeof sqlUrls>;
let alice: TestUser;
let bob: TestUser;
let asAlice: NeonQueryFunction<false, false>;
let asVisitor: NeonQueryFunction<false, false>;

const PRIVATE_READ = `SELECT email, raw_json->'server_metadata' AS server_metadata FROM neon_auth.users_sync`;
const PUBLIC_READ = 'SELECT id, name, created_at, updated_at, deleted_at FROM neon_auth.users_sync ORDER BY id';

beforeAll(async () => {
  ({ t, urls, alice, bob, asAlice } = await startTodosFixture());
  const visitor = await signUpAnonymous(t);
  asVisitor = neon(urls.anonymousUrl, { authToken: visitor.accessToken });
});

afterAll(async () => {
  await t?.stop();
});

async function refusal(query: Promise<unknown>): Promise<string> {
  const error = (await query.catch((e: unknown) => e)) as NeonDbError;
  expect(error).toBeInstanceOf(NeonDbError);
  expect(error.code).toBe('42501');
  return error.message;
}

function publicProfiles(...flags: string[]) {
  return runCli(['sync', 'public-profiles', '--project', t.projectId, '--database-url', t.databaseUrl!, '--data-dir', t.dataDir, ...flags]);
}

/**
 * A kit-6 database as authsync left it, before the kit lived in migrations: the old grant, version 6 recorded in
 * authsync_rls.kit, and no record of the kit's migrations.
 */
async function downgradeToKit6(): Promise<void> {
  await t.server.ctx.db.exec(`GRANT SELECT ON neon_auth.users_sync TO authenticated, anonymous;
    CREATE TABLE authsync_rls.kit (version integer NOT NULL, installed_at timestamptz NOT NULL DEFAULT now());
    INSERT INTO authsync_rls.kit (version) VALUES (6);
    DROP SCHEMA authsync_kit CASCADE`);
}

describe('users_sync is private to end users by default', () => {
  it('neither an anonymous visitor nor a signed-in user can read e-mails or server metadata (nor any column)', async () => {
    expect(await refusal(asVisitor.query(PRIVATE_READ))).toBe('permission denied for table users_sync');
    expect(await refusal(asAlice.query(PRIVATE_READ))).toBe('permission denied for table users_sync');
    await refusal(asAlice.query(PUBLIC_READ));
    await refusal(asVisitor`SELECT count(*) FROM neon_auth.users_sync`);
  });

  it('upgrading a kit-6 database takes the old grant back', async () => {
    await downgradeToKit6();
    expect(await asAlice`SELECT count(*)::int AS n FROM neon_auth.users_sync`).toEqual([{ n: 3 }]);
    await provisionAppDatabasesAtStart(t.server.ctx);
    expect(await kitIsCurrent(t.server.ctx.db)).toBe(true);
    await refusal(asVisitor.query(PRIVATE_READ));
    await refusal(asAlice.query(PRIVATE_READ));
  });
});

describe('authsync sync public-profiles', () => {
  it('lets authenticated read id, name and the dates, never e-mails or raw_json; anonymous still nothing', async () => {
    const on = await publicProfiles();
    expect(on.code, on.stderr).toBe(0);
    const rows = (await asAlice.query(PUBLIC_READ)) as { id: string }[];
    expect(rows.map((r) => r.id).sort()).toEqual(expect.arrayContaining([alice.id, bob.id].sort()));
    expect(await refusal(asAlice`SELECT email FROM neon_auth.users_sync`)).toBe('permission denied for table users_sync');
    await refusal(asAlice`SELECT raw_json FROM neon_auth.users_sync`);
    await refusal(asAlice`SELECT * FROM neon_auth.users_sync`);
    await refusal(asVisitor.query(PUBLIC_READ));
  });

  it('is kept when the table is re-created and when the kit is installed again', async () => {
    await t.server.ctx.db.exec('DROP TABLE neon_auth.users_sync');
    await ensureTarget(t.server.ctx.db);
    expect(await asAlice`SELECT count(*)::int AS n FROM neon_auth.users_sync`).toEqual([{ n: 0 }]);
    await installKit(t.server.ctx.db, { serverSecret: readOrCreateSecret(t.server.ctx.config) });
    expect(await asAlice`SELECT count(id)::int AS n FROM neon_auth.users_sync`).toEqual([{ n: 0 }]);
    await refusal(asAlice`SELECT email FROM neon_auth.users_sync`);
  });

  it('survives the upgrade from kit 6 (whose REVOKE also removes column grants)', async () => {
    await downgradeToKit6();
    await provisionAppDatabasesAtStart(t.server.ctx);
    expect(await asAlice`SELECT count(id)::int AS n FROM neon_auth.users_sync`).toEqual([{ n: 0 }]);
    await refusal(asAlice.query(PRIVATE_READ));
    await refusal(asVisitor.query(PUBLIC_READ));
  });

  it('--off takes it back', async () => {
    const off = await publicProfiles('--off');
    expect(off.code, off.stderr).toBe(0);
    await refusal(asAlice.query(PUBLIC_READ));
    await ensureTarget(t.server.ctx.db);
    await refusal(asAlice.query(PUBLIC_READ));
  });
});

describe('foreign keys to users_sync', () => {
  it('inserts by authenticated into a table referencing users_sync pass the check (run as the table owner), and a bad reference still fails', async () => {
    // The app's owner role needs REFERENCES to declare the key (authsync sync grant); end users need nothing.
    await grantAppRole(t.server.ctx.db, appOwnerRole(t)!);
    // Repopulate users_sync (the table was re-created above).
    const resync = await runCli(['sync', 'resync', '--project', t.projectId, '--database-url', t.databaseUrl!, '--data-dir', t.dataDir]);
    expect(resync.code, resync.stderr).toBe(0);
    const owner = neon(urls.databaseUrl);
    await owner.query(`CREATE TABLE posts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      author_id text NOT NULL DEFAULT (auth.user_id()) REFERENCES neon_auth.users_sync (id), body text NOT NULL)`);
    await owner.query('ALTER TABLE posts ENABLE ROW LEVEL SECURITY');
    await owner.query(
      `CREATE POLICY own_posts ON posts TO authenticated USING (author_id = (select auth.user_id())) WITH CHECK (author_id = (select auth.user_id()))`,
    );
    await owner.query('GRANT SELECT, INSERT ON posts TO authenticated');
    expect(await asAlice`INSERT INTO posts (body) VALUES ('hello') RETURNING author_id`).toEqual([{ author_id: alice.id }]);
    await refusal(asAlice.query(PUBLIC_READ));
    const dangling = (await owner
      .query(`INSERT INTO posts (author_id, body) VALUES ('no-such-user', 'x')`)
      .catch((e: unknown) => e)) as NeonDbError;
    expect(dangling.code).toBe('23503');
  });
});
