/**
 * The RLS kit installs as a new user sets it up: into an app database owned by a CREATEROLE role that is not a
 * superuser (installKit, `authsync rls install`, `authsync project create --app-database-url`), and /sql then runs a
 * token's SQL there. A kit role holding a power only a superuser can take away stops such an installer with a
 * message that names the power and the one-time fix.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { neon, neonConfig } from '@neondatabase/serverless';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/postgres.js';
import { installKit } from '../../src/rls/install.js';
import { endUserLogin, ensureRoleSql } from '../../src/rls/end-user-roles.js';
import { runCli } from '../cli/run-cli.js';
import { adminQuery, databaseUrl } from '../helpers/databases.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';

const suffix = randomBytes(6).toString('hex');
const installer = `authsync_creator_${suffix}`;
const appDb = `authsync_creator_app_${suffix}`;
const installerUrl = databaseUrl(appDb, { name: installer, password: 'installer-password' });
/** Roles the test creates besides the installer (dropped afterwards). */
const extraRoles = [`authsync_new_${suffix}`, `authsync_bypass_${suffix}`, `authsync_plain_${suffix}`];

let t: TestServer;
let dataDir: string;

beforeAll(async () => {
  await adminQuery(`CREATE ROLE ${installer} LOGIN CREATEROLE NOSUPERUSER PASSWORD 'installer-password'`);
  await adminQuery(`CREATE DATABASE ${appDb} OWNER ${installer}`);
  t = await startTestServer({ mode: 'postgres', env: { AUTHSYNC_SQL_PASSWORD_AUTH: 'on' } });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-creator-'));
});

afterAll(async () => {
  await t?.stop();
  await adminQuery(`DROP DATABASE IF EXISTS ${appDb} WITH (FORCE)`);
  for (const role of [...extraRoles, installer]) await adminQuery(`DROP ROLE IF EXISTS ${role}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function asInstaller<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(installerUrl);
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

describe('the RLS kit installed by a CREATEROLE owner that is not a superuser', () => {
  it('the installer is what the test means: CREATEROLE, not superuser, owner of the app database', async () => {
    const { rows } = await adminQuery(
      `SELECT r.rolsuper, r.rolcreaterole, pg_get_userbyid(d.datdba) AS owner FROM pg_roles r, pg_database d WHERE r.rolname = $1 AND d.datname = $2`,
      [installer, appDb],
    );
    expect(rows).toEqual([{ rolsuper: false, rolcreaterole: true, owner: installer }]);
  });

  it('installKit succeeds, twice, and leaves the end-user roles and the login roles without powers', async () => {
    const db = openPostgres(installerUrl, { max: 1 });
    const secret = 'a-test-server-secret-of-enough-length';
    const logins = [endUserLogin(secret, 'anonymous'), endUserLogin(secret, 'authenticated')];
    try {
      await installKit(db, { serverSecret: secret });
      await installKit(db, { serverSecret: secret });
      const { rows } = await db.query(
        `SELECT rolname, rolsuper OR rolbypassrls OR rolreplication OR rolcreatedb OR rolcreaterole AS powerful, rolcanlogin, rolinherit
           FROM pg_roles WHERE rolname = ANY($1::text[]) ORDER BY rolname = 'anonymous' DESC, rolname = 'authenticated' DESC, rolname`,
        [['authenticated', 'anonymous', ...logins.map((login) => login.user)]],
      );
      expect(rows).toEqual([
        { rolname: 'anonymous', powerful: false, rolcanlogin: false, rolinherit: false },
        { rolname: 'authenticated', powerful: false, rolcanlogin: false, rolinherit: false },
        ...logins
          .map((login) => ({ rolname: login.user, powerful: false, rolcanlogin: true, rolinherit: false }))
          .sort((x, y) => x.rolname.localeCompare(y.rolname)),
      ]);
      // Each login role may become its end-user role, and nothing else.
      const members = await db.query(
        `SELECT m.rolname AS member, r.rolname AS role FROM pg_auth_members a JOIN pg_roles m ON m.oid = a.member JOIN pg_roles r ON r.oid = a.roleid
          WHERE m.rolname = ANY($1::text[]) ORDER BY 1, 2`,
        [logins.map((login) => login.user)],
      );
      expect(members.rows).toEqual(
        logins.map((login) => ({ member: login.user, role: login.role })).sort((x, y) => x.member.localeCompare(y.member)),
      );
      expect((await db.query(`SELECT auth.user_id() AS uid`)).rows).toEqual([{ uid: null }]);
    } finally {
      await db.close();
    }
  });

  it('a role the kit creates anew is created by the CREATEROLE installer with the attributes the kit needs', async () => {
    const role = extraRoles[0]!;
    await asInstaller((client) => client.query(ensureRoleSql(role, { login: true, endUser: true })));
    await asInstaller((client) => client.query(ensureRoleSql(role, { login: true, endUser: true })));
    const { rows } = await adminQuery(
      `SELECT rolcanlogin, rolsuper, rolbypassrls, rolreplication, rolinherit FROM pg_roles WHERE rolname = $1`,
      [role],
    );
    expect(rows).toEqual([{ rolcanlogin: true, rolsuper: false, rolbypassrls: false, rolreplication: false, rolinherit: false }]);
  });

  it('a role with BYPASSRLS stops the installer with the power, the missing privilege and the fix; a superuser takes it away', async () => {
    const role = extraRoles[1]!;
    await adminQuery(`CREATE ROLE ${role} LOGIN BYPASSRLS CREATEDB`);
    const refused = (await asInstaller((client) => client.query(ensureRoleSql(role, { login: true, endUser: true }))).catch(
      (e: unknown) => e,
    )) as pg.DatabaseError;
    expect(refused.message).toBe(`authsync: role ${role} has BYPASSRLS; taking it away needs SUPERUSER, which ${installer} does not have`);
    expect(refused.code).toBe('42501');
    expect(refused.hint).toContain('authsync rls install --database-url');
    // Nothing was changed half-way.
    expect((await adminQuery(`SELECT rolbypassrls, rolcreatedb FROM pg_roles WHERE rolname = $1`, [role])).rows).toEqual([
      { rolbypassrls: true, rolcreatedb: true },
    ]);
    await adminQuery(ensureRoleSql(role, { login: true, endUser: true }));
    expect((await adminQuery(`SELECT rolbypassrls, rolcreatedb FROM pg_roles WHERE rolname = $1`, [role])).rows).toEqual([
      { rolbypassrls: false, rolcreatedb: false },
    ]);
    // Once the power is gone, the CREATEROLE installer passes again.
    await asInstaller((client) => client.query(ensureRoleSql(role, { login: true, endUser: true })));
  });

  it('authsync rls install as the installer succeeds', async () => {
    const extDir = path.join(dataDir, 'ext');
    fs.mkdirSync(extDir);
    const result = await runCli(['rls', 'install', '--database-url', installerUrl, '--data-dir', dataDir, '--extension-dir', extDir]);
    expect(result.code, result.stderr).toBe(0);
    // What only a superuser could do is said, not failed on (see docs/rls.md).
    expect(result.stderr).toContain('pg_cancel_backend');
  });

  it("project create --app-database-url as the installer succeeds without a provisioning warning, and /sql runs a token's SQL there", async () => {
    const cli = ['--database-url', t.databaseUrl!, '--data-dir', t.dataDir, '--base-url', t.url];
    const result = await runCli([
      'project',
      'create',
      '--name',
      'Created by a CREATEROLE owner',
      '--app-database-url',
      installerUrl,
      '--json',
      ...cli,
    ]);
    expect(result.code, result.stderr).toBe(0);
    // The test cluster's trust logins and the signal functions are warned about; provisioning is not.
    expect(result.stderr).not.toMatch(/could not|RLS kit|users_sync/);
    const created = JSON.parse(result.stdout) as Record<string, string>;
    const client = {
      'x-stack-access-type': 'client',
      'x-stack-project-id': created.projectId!,
      'x-stack-publishable-client-key': created.publishableClientKey!,
    };
    const signUp = await api(t, 'POST', '/auth/password/sign-up', {
      headers: client,
      body: { email: 'creator@example.com', password: 'correct horse battery staple' },
    });
    expect(signUp.status, signUp.text).toBe(200);
    neonConfig.fetchEndpoint = created.sqlEndpoint!;
    const asUser = neon(created.databaseAuthenticatedUrl!, { authToken: signUp.json.access_token as string });
    const rows = await asUser.query('SELECT auth.user_id() AS uid, current_user AS role, current_database() AS db');
    expect(rows).toEqual([{ uid: signUp.json.user_id, role: 'authenticated', db: appDb }]);
  });

  it('when the kit step fails (an owner without CREATEROLE), project create says so: the RLS kit, not users_sync', async () => {
    const plain = extraRoles[2]!;
    const plainDb = `authsync_plain_app_${suffix}`;
    await adminQuery(`CREATE ROLE ${plain} LOGIN NOSUPERUSER NOCREATEROLE`);
    await adminQuery(`CREATE DATABASE ${plainDb} OWNER ${plain}`);
    try {
      const cli = ['--database-url', t.databaseUrl!, '--data-dir', t.dataDir, '--base-url', t.url];
      const result = await runCli([
        'project',
        'create',
        '--name',
        'Owner without CREATEROLE',
        '--app-database-url',
        databaseUrl(plainDb, { name: plain }),
        '--json',
        ...cli,
      ]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(`authsync: warning: could not install the RLS kit in the app database 127.0.0.1:5432/${plainDb}`);
      expect(result.stderr).toContain('users_sync is ready there');
      expect(result.stderr).not.toContain('could not prepare users_sync');
    } finally {
      await adminQuery(`DROP DATABASE IF EXISTS ${plainDb} WITH (FORCE)`);
    }
  });
});
