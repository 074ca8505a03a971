/**
 * The /sql password path logs in as the connection string's user and lets PostgreSQL check the password. On a
 * cluster that trusts authsync's address, `postgresql://postgres:anything@…` ran `COPY … TO PROGRAM` on the database
 * server. Now: superuser and replication roles (and roles that may SET ROLE to one) are refused, even with
 * AUTHSYNC_SQL_PASSWORD_AUTH=on; with the default `auto`, a database that accepts a wrong password has the path
 * closed, with a Neon-shaped 400 that says why and how to fix it (also in the log, at `project create` and on the
 * dashboard's RLS page); `off` closes it everywhere. On a cluster that checks passwords the path works as before.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject } from '../../src/projects/projects.js';
import { rlsStatus } from '../../src/dashboard/rls-status.js';
import { runCli } from '../cli/run-cli.js';
import { DASHBOARD_SECRET, dashboardSession } from '../helpers/dashboard-session.js';
import { adminQuery, createTestDatabase } from '../helpers/databases.js';
import { startScramCluster, type ScramCluster } from '../helpers/scram-cluster.js';
import { startTestServer, type TestServer, useTestServer } from '../helpers/server.js';
import { createAppOwner, PASSWORD_PATH_ON, sqlUrls } from '../rls/support.js';

/** One /sql request without a token. */
async function sql(t: TestServer, connectionString: string, query: string) {
  const response = await fetch(`${t.url}/sql`, {
    method: 'POST',
    headers: { 'Neon-Connection-String': connectionString, 'content-type': 'application/json' },
    body: JSON.stringify({ query, params: [] }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The test database's URL as `user` with any password (the trust cluster takes it). */
function asUser(t: TestServer, user: string, password = 'anything'): string {
  const url = new URL(t.databaseUrl!);
  url.username = user;
  url.password = password;
  return url.toString();
}

/** The attack: a file written on the database server by a program COPY starts. */
function copyToProgram(): { query: string; file: string } {
  const file = path.join(os.tmpdir(), `authsync-copy-${randomBytes(6).toString('hex')}`);
  return { query: `COPY (SELECT 'pwned') TO PROGRAM 'cat > ${file}'`, file };
}

function expectNeonRefusal(res: { status: number; body: Record<string, unknown> }, message: RegExp): void {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(Object.keys(res.body)).toHaveLength(17);
  expect(res.body.code).toBe('');
  expect(res.body.message).toMatch(message);
}

describe('AUTHSYNC_SQL_PASSWORD_AUTH=auto (the default) on a database that accepts any password', () => {
  const t = useTestServer({ env: { AUTHSYNC_ADMIN_SECRET: DASHBOARD_SECRET } });
  beforeAll(async () => {
    await createAppOwner(t);
  });

  it('postgres:anything@ cannot run COPY … TO PROGRAM: the path is closed, with what to do about it', async () => {
    const { query, file } = copyToProgram();
    const res = await sql(t, asUser(t, 'postgres'), query);
    expectNeonRefusal(res, /accepted a wrong password \(trust authentication\).*pg_hba\.conf.*AUTHSYNC_SQL_PASSWORD_AUTH=on/);
    expect(fs.existsSync(file)).toBe(false);
  });

  it("the database owner's URL is refused too (any password would do)", async () => {
    const res = await sql(t, sqlUrls(t).databaseUrl, 'SELECT current_user');
    expectNeonRefusal(res, /password logins through \/sql are disabled for .*: the database accepted a wrong password/);
  });

  it("the dashboard's RLS page shows that the path is disabled, and why", async () => {
    const status = await rlsStatus(t.server.ctx, t.server.sql, t.projectId);
    expect(status.sql?.passwordPath.serve).toBe(false);
    expect(status.sql?.passwordPath.reason).toMatch(/pg_hba\.conf/);
    const page = await (await dashboardSession(t.url, t.projectId)).get(`/projects/${t.projectId}/rls`);
    expect(page).toMatch(/<p id="sql-password-path">[^]*disabled[^]*accepted a wrong password[^]*pg_hba\.conf/);
  });

  it('project create says so when the app database accepts any password', async () => {
    const app = await createTestDatabase('authsync_pwprobe');
    try {
      const res = await runCli([
        'project',
        'create',
        '--name',
        'Trusting',
        '--app-database-url',
        app.url,
        '--database-url',
        t.databaseUrl!,
        '--data-dir',
        t.dataDir,
        '--json',
      ]);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stderr).toMatch(/warning: password logins through \/sql are disabled for .*accepted a wrong password/);
    } finally {
      await app.drop();
    }
  });
});

describe('AUTHSYNC_SQL_PASSWORD_AUTH=on: superuser and replication roles are still refused', () => {
  const t = useTestServer({ env: PASSWORD_PATH_ON });
  const roles = {
    replication: `repl_${randomBytes(4).toString('hex')}`,
    member: `member_${randomBytes(4).toString('hex')}`,
    later: `later_${randomBytes(4).toString('hex')}`,
  };
  beforeAll(async () => {
    await createAppOwner(t);
    await adminQuery(
      `CREATE ROLE ${roles.replication} LOGIN REPLICATION; CREATE ROLE ${roles.member} LOGIN NOINHERIT; GRANT postgres TO ${roles.member}; CREATE ROLE ${roles.later} LOGIN`,
    );
  });
  afterAll(async () => {
    await t.stop(); // before the cleanup below, which needs the server gone (the fixture's stop is then a no-op)
    for (const role of Object.values(roles)) await adminQuery(`DROP ROLE IF EXISTS ${role}`);
  });

  it('postgres (a superuser) is refused before any SQL runs', async () => {
    const { query, file } = copyToProgram();
    expectNeonRefusal(await sql(t, asUser(t, 'postgres'), query), /does not log in as postgres: it is a superuser or replication role/);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('a replication role, and a role that may SET ROLE to a superuser, are refused', async () => {
    expectNeonRefusal(await sql(t, asUser(t, roles.replication), 'SELECT 1'), new RegExp(`does not log in as ${roles.replication}`));
    const { query, file } = copyToProgram();
    expectNeonRefusal(
      await sql(t, asUser(t, roles.member), `SET ROLE postgres; ${query}`),
      new RegExp(`does not log in as ${roles.member}`),
    );
    expect(fs.existsSync(file)).toBe(false);
  });

  it('the owner role is served, and PostgreSQL itself refuses it COPY TO PROGRAM', async () => {
    const ok = await sql(t, sqlUrls(t).databaseUrl, 'SELECT current_user AS who');
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const { query, file } = copyToProgram();
    const res = await sql(t, sqlUrls(t).databaseUrl, query);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('42501');
    expect(fs.existsSync(file)).toBe(false);
  });

  it("a role made superuser after it was checked is refused on its next new connection (current_user's flags)", async () => {
    expect((await sql(t, asUser(t, roles.later, 'first'), 'SELECT 1')).status).toBe(200);
    await adminQuery(`ALTER ROLE ${roles.later} SUPERUSER`);
    // Another password: another pool, so a new connection, within the few seconds the first check is remembered.
    expectNeonRefusal(await sql(t, asUser(t, roles.later, 'second'), 'SELECT 1'), new RegExp(`does not log in as ${roles.later}`));
  });
});

describe('AUTHSYNC_SQL_PASSWORD_AUTH=off', () => {
  const t = useTestServer({ env: { AUTHSYNC_SQL_PASSWORD_AUTH: 'off' } });
  beforeAll(async () => {
    await createAppOwner(t);
  });

  it('refuses every password login, saying how to get it back', async () => {
    expectNeonRefusal(
      await sql(t, sqlUrls(t).databaseUrl, 'SELECT 1'),
      /password logins through \/sql are off on this server \(AUTHSYNC_SQL_PASSWORD_AUTH=off\)/,
    );
  });
});

describe('auto, on a cluster that checks passwords (scram-sha-256)', () => {
  let t: TestServer;
  let scram: ScramCluster;
  let ownerUrl: (password: string) => string;

  beforeAll(async () => {
    scram = await startScramCluster();
    t = await startTestServer();
    await scram.query(`CREATE ROLE app_owner LOGIN PASSWORD 'right-password'`);
    await scram.query('CREATE DATABASE app OWNER app_owner');
    await createProject(t.server.ctx.db, t.server.ctx.box, {
      displayName: 'Checks passwords',
      appDatabaseUrl: scram.url('app', { name: 'app_owner', password: 'right-password' }),
    });
    ownerUrl = (password) => scram.url('app', { name: 'app_owner', password });
  }, 180_000);

  afterAll(async () => {
    await t?.stop();
    await scram?.stop();
  });

  it('serves the right password, refuses a wrong one (PostgreSQL checks it), and still refuses the superuser', async () => {
    const ok = await sql(t, ownerUrl('right-password'), 'SELECT current_user AS who');
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.rows).toEqual([{ who: 'app_owner' }]);
    expectNeonRefusal(await sql(t, ownerUrl('wrong-password'), 'SELECT 1'), /^password authentication failed for user 'app_owner'$/);
    expectNeonRefusal(await sql(t, scram.url('app'), 'SELECT 1'), /does not log in as postgres/);
  });
});
