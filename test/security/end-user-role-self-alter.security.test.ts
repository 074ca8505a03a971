/**
 * Every end user's session runs as `authenticated`, started by authsync's login role (rls/end-user-roles.ts), and
 * PostgreSQL lets a role change its own password and its own defaults. `ALTER ROLE CURRENT_USER …` as `authenticated`
 * reaches only the NOLOGIN group role, where a password or defaults do nothing; but `SET ROLE NONE` returns the
 * session to the login role, and then `ALTER ROLE CURRENT_USER PASSWORD 'x'` would lock every later connection out
 * (on every project of the cluster), and `ALTER ROLE CURRENT_USER SET default_transaction_read_only = on` (or
 * statement_timeout = '1ms') break every later session. authsync repairs the login role when it opens the next
 * connection, so the next request of another user succeeds.
 *
 * The password case needs a cluster that checks passwords: the main test cluster trusts local logins, so this file
 * starts a scram-sha-256 cluster of its own. Settings for all databases are tried there too (they would reach every
 * other test file on the shared cluster); on the shared cluster, only settings for this file's database.
 * Each attack is followed by the next user's request on a server started after it (fresh pools, so a new
 * connection), as another authsync instance or a pool that lost its connections would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject } from '../../src/projects/projects.js';
import { provisionProject } from '../../src/provisioning/provision.js';
import { endUserLogin, type EndUserLogin } from '../../src/rls/end-user-roles.js';
import { readOrCreateSecret } from '../../src/server/secret.js';
import type { RunningServer } from '../../src/server/server.js';
import { projectSqlUrls } from '../../src/sql/project-urls.js';
import { adminQuery } from '../helpers/databases.js';
import { startScramCluster, type ScramCluster } from '../helpers/scram-cluster.js';
import { startSecondServer, type TestServer } from '../helpers/server.js';
import { signUp, startTodosFixture, type TestUser } from '../rls/support.js';

let a: TestServer;
let scram: ScramCluster;
let alice: TestUser;
let bob: TestUser;
/** Server A's login role for `authenticated` (fresh servers share A's secret, so they log in as it too). */
let login: EndUserLogin;

beforeAll(async () => {
  ({ t: a, alice, bob } = await startTodosFixture());
  scram = await startScramCluster();
  login = endUserLogin(readOrCreateSecret(a.server.ctx.config), 'authenticated');
}, 180_000);

afterAll(async () => {
  await a?.stop();
  await scram?.stop();
});

/** A server started now on A's database and data directory (same secret, same base URL: tokens are valid on it). */
function freshServer(): Promise<RunningServer> {
  return startSecondServer(a, { env: { AUTHSYNC_SQL_PASSWORD_AUTH: 'on' }, baseUrl: a.url });
}

/** One /sql request: a query, or a batch (one transaction on one connection). */
async function sql(
  serverUrl: string,
  connectionString: string,
  token: string,
  query: string | string[],
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${serverUrl}/sql`, {
    method: 'POST',
    headers: { 'Neon-Connection-String': connectionString, Authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(typeof query === 'string' ? { query, params: [] } : { queries: query.map((q) => ({ query: q, params: [] })) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Runs `attack` as one user, then measures the time until another user's request on a fresh server succeeds. */
async function healTime(attack: () => Promise<void>, victim: () => Promise<{ status: number; body: Record<string, unknown> }>) {
  await attack();
  const attackedAt = performance.now();
  const answer = await victim();
  return { answer, ms: performance.now() - attackedAt };
}

describe('on the shared (trust) cluster: settings of the role for this database', () => {
  it("ALTER ROLE CURRENT_USER IN DATABASE … SET … by Alice does not reach Bob's next connection; the settings are removed", async () => {
    const database = new URL(a.databaseUrl!).pathname.slice(1);
    const urls = projectSqlUrls(a.server.ctx.config, a.projectId, null);
    // One request: a second one could open a new connection (the first one's may still be resetting), and authsync
    // would repair the role there, before the test looks.
    const attack = await sql(a.url, urls.databaseAuthenticatedUrl, alice.accessToken, [
      'SET ROLE NONE',
      `ALTER ROLE CURRENT_USER IN DATABASE ${database} SET default_transaction_read_only = on`,
      `ALTER ROLE CURRENT_USER IN DATABASE ${database} SET statement_timeout = '1ms'`,
    ]);
    expect(attack.status, JSON.stringify(attack.body)).toBe(200);
    const before = await adminQuery(
      `SELECT setconfig FROM pg_db_role_setting WHERE setrole = $2::regrole AND setdatabase = (SELECT oid FROM pg_database WHERE datname = $1)`,
      [database, login.user],
    );
    expect(before.rows[0]?.setconfig).toEqual(['default_transaction_read_only=on', 'statement_timeout=1ms']);

    const b = await freshServer();
    try {
      const started = performance.now();
      const insert = await sql(
        b.url,
        urls.databaseAuthenticatedUrl,
        bob.accessToken,
        `INSERT INTO todos (task) VALUES ('after the attack') RETURNING user_id, current_setting('transaction_read_only') AS ro`,
      );
      const ms = performance.now() - started;
      expect(insert.status, JSON.stringify(insert.body)).toBe(200);
      expect(insert.body.rows).toEqual([{ user_id: bob.id, ro: 'off' }]);
      console.info(`role settings (this database) healed: Bob's first request after the attack took ${ms.toFixed(0)} ms on a fresh server`);
      const after = await adminQuery(
        `SELECT count(*)::int AS n FROM pg_db_role_setting WHERE setrole = $1::regrole AND setdatabase = (SELECT oid FROM pg_database WHERE datname = $2)`,
        [login.user, database],
      );
      expect(after.rows[0].n).toBe(0);
    } finally {
      await b.stop();
      await adminQuery(`ALTER ROLE ${login.user} IN DATABASE ${database} RESET ALL`);
    }
  });
});

describe('on a cluster that checks passwords (scram-sha-256)', () => {
  let carol: TestUser;
  let dave: TestUser;
  let authenticatedUrl: string;

  beforeAll(async () => {
    await scram.query('CREATE DATABASE app');
    const { project, keys } = await createProject(a.server.ctx.db, a.server.ctx.box, {
      displayName: 'On the scram cluster',
      appDatabaseUrl: scram.url('app'),
    });
    await provisionProject(a.server.ctx, project.id);
    const p2: TestServer = { ...a, projectId: project.id, keys };
    carol = await signUp(p2, 'carol@example.com');
    dave = await signUp(p2, 'dave@example.com');
    await scram.query(
      `CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id text NOT NULL DEFAULT (auth.user_id()), body text NOT NULL);
       ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
       CREATE POLICY own_notes ON notes TO authenticated USING (user_id = (select auth.user_id())) WITH CHECK (user_id = (select auth.user_id()));
       GRANT SELECT, INSERT ON notes TO authenticated`,
      [],
      'app',
    );
    authenticatedUrl = projectSqlUrls(a.server.ctx.config, project.id, scram.url('app')).databaseAuthenticatedUrl;
    // Carol's connection on server A exists before the attacks (pooled: untouched by them).
    expect((await sql(a.url, authenticatedUrl, carol.accessToken, 'SELECT 1 AS one')).status).toBe(200);
  }, 120_000);

  /** Whether authsync's derived password logs in as its login role right now. */
  async function derivedPasswordWorks(): Promise<boolean> {
    return scram.passwordLogsIn('app', { name: login.user, password: login.password });
  }

  it('(baseline) the first request on a fresh server, with nothing to repair', async () => {
    const b = await freshServer();
    try {
      const started = performance.now();
      const answer = await sql(b.url, authenticatedUrl, dave.accessToken, `INSERT INTO notes (body) VALUES ('baseline') RETURNING user_id`);
      const ms = performance.now() - started;
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      console.info(`baseline: a fresh server's first request took ${ms.toFixed(0)} ms`);
    } finally {
      await b.stop();
    }
  });

  it('ALTER ROLE CURRENT_USER PASSWORD as authenticated reaches only the NOLOGIN group role: nothing to repair', async () => {
    const attack = await sql(a.url, authenticatedUrl, carol.accessToken, `ALTER ROLE CURRENT_USER PASSWORD 'owned-by-carol'`);
    expect(attack.status, JSON.stringify(attack.body)).toBe(200);
    const { rows } = await scram.query(`SELECT rolcanlogin FROM pg_roles WHERE rolname = 'authenticated'`);
    expect(rows).toEqual([{ rolcanlogin: false }]);
    expect(await derivedPasswordWorks()).toBe(true);
    const b = await freshServer();
    try {
      const answer = await sql(b.url, authenticatedUrl, dave.accessToken, `INSERT INTO notes (body) VALUES ('unmoved') RETURNING user_id`);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    } finally {
      await b.stop();
    }
  });

  it("SET ROLE NONE, then ALTER ROLE CURRENT_USER PASSWORD by Carol: Dave's next request (a new connection) succeeds, and the password is authsync's again", async () => {
    const b = await freshServer();
    try {
      const { answer, ms } = await healTime(
        async () => {
          const attack = await sql(a.url, authenticatedUrl, carol.accessToken, [
            'SET ROLE NONE',
            `ALTER ROLE CURRENT_USER PASSWORD 'owned-by-carol'`,
          ]);
          expect(attack.status, JSON.stringify(attack.body)).toBe(200);
          // The attack took: authsync's password no longer logs in.
          expect(await derivedPasswordWorks()).toBe(false);
        },
        () => sql(b.url, authenticatedUrl, dave.accessToken, `INSERT INTO notes (body) VALUES ('still here') RETURNING user_id`),
      );
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.rows).toEqual([{ user_id: dave.id }]);
      console.info(
        `password changed by an end user healed: ${ms.toFixed(0)} ms from the attack to Dave's first successful request (a fresh server's first request, including the repair)`,
      );
      expect(await derivedPasswordWorks()).toBe(true);
    } finally {
      await b.stop();
    }
  });

  it("SET ROLE NONE, then ALTER ROLE CURRENT_USER SET (all databases) by Carol: Dave's next connection runs without them, and they are gone", async () => {
    const b = await freshServer();
    try {
      const { answer, ms } = await healTime(
        async () => {
          const attack = await sql(a.url, authenticatedUrl, carol.accessToken, [
            'SET ROLE NONE',
            `ALTER ROLE CURRENT_USER SET default_transaction_read_only = on`,
            `ALTER ROLE CURRENT_USER SET statement_timeout = '1ms'`,
            `ALTER ROLE CURRENT_USER SET search_path = nowhere`,
          ]);
          expect(attack.status, JSON.stringify(attack.body)).toBe(200);
          const { rows } = await scram.query(`SELECT setconfig FROM pg_db_role_setting WHERE setrole = $1::regrole AND setdatabase = 0`, [
            login.user,
          ]);
          expect(rows[0]?.setconfig).toHaveLength(3);
        },
        () =>
          sql(
            b.url,
            authenticatedUrl,
            dave.accessToken,
            `INSERT INTO notes (body) VALUES ('writable') RETURNING user_id, current_setting('search_path') AS path`,
          ),
      );
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.rows).toEqual([{ user_id: dave.id, path: '"$user", public' }]);
      console.info(`role settings (all databases) healed: ${ms.toFixed(0)} ms from the attack to Dave's first successful request`);
      const { rows } = await scram.query(`SELECT count(*)::int AS n FROM pg_db_role_setting WHERE setrole = $1::regrole`, [login.user]);
      expect(rows[0].n).toBe(0);
    } finally {
      await b.stop();
    }
  });

  it('both at once: a changed password and settings are repaired on the same connection attempt', async () => {
    const b = await freshServer();
    try {
      expect(
        (
          await sql(a.url, authenticatedUrl, carol.accessToken, [
            'SET ROLE NONE',
            `ALTER ROLE CURRENT_USER PASSWORD 'again'`,
            `ALTER ROLE CURRENT_USER SET default_transaction_read_only = on`,
          ])
        ).status,
      ).toBe(200);
      const answer = await sql(b.url, authenticatedUrl, dave.accessToken, `INSERT INTO notes (body) VALUES ('both') RETURNING user_id`);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(await derivedPasswordWorks()).toBe(true);
    } finally {
      await b.stop();
    }
  });
});
