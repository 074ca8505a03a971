/**
 * Two authsync instances with different server secrets on one PostgreSQL cluster. Roles are cluster-wide: when every
 * instance logged in as `authenticated` itself, with a password derived from its own secret, each provisioning set the
 * password to its own and the other instance's next connection was refused (and its repair took the password back,
 * back and forth). Now each secret has its own login roles, members of `authenticated` and `anonymous`, and neither
 * instance touches the other's.
 *
 * Passwords are only checked on a cluster that asks for them: the main test cluster trusts local logins, so the app
 * databases live on a scram-sha-256 cluster this file starts. The instances keep their own databases on the main one.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject } from '../../src/projects/projects.js';
import { provisionProject } from '../../src/provisioning/provision.js';
import { endUserLogin, type EndUserLogin } from '../../src/rls/end-user-roles.js';
import type { RunningServer } from '../../src/server/server.js';
import { projectSqlUrls } from '../../src/sql/project-urls.js';
import { startScramCluster, type ScramCluster } from '../helpers/scram-cluster.js';
import { api, clientHeaders, startSecondServer, startTestServer, type TestServer } from '../helpers/server.js';

interface Instance {
  name: string;
  secret: string;
  t: TestServer;
  projectId: string;
  /** The /sql connection string of the project's app database on the scram cluster, as `authenticated`. */
  sqlUrl: string;
  accessToken: string;
  userId: string;
  login: EndUserLogin;
}

let scram: ScramCluster;
const instances: Instance[] = [];

async function startInstance(name: string): Promise<Instance> {
  const secret = randomBytes(32).toString('base64url');
  const t = await startTestServer({ mode: 'postgres', env: { AUTHSYNC_SECRET: secret } });
  await scram.query(`CREATE DATABASE app_${name}`);
  const { project, keys } = await createProject(t.server.ctx.db, t.server.ctx.box, {
    displayName: `Instance ${name}`,
    appDatabaseUrl: scram.url(`app_${name}`),
  });
  await provisionProject(t.server.ctx, project.id);
  await scram.query(
    `CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id text NOT NULL DEFAULT (auth.user_id()), body text NOT NULL);
     ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
     CREATE POLICY own_notes ON notes TO authenticated USING (user_id = (select auth.user_id())) WITH CHECK (user_id = (select auth.user_id()));
     GRANT SELECT, INSERT ON notes TO authenticated`,
    [],
    `app_${name}`,
  );
  const signUp = await api({ ...t, projectId: project.id, keys }, 'POST', '/auth/password/sign-up', {
    headers: clientHeaders({ ...t, projectId: project.id, keys }),
    body: { email: `user@${name}.example.com`, password: 'a-long-enough-password' },
  });
  expect(signUp.status, signUp.text).toBe(200);
  return {
    name,
    secret,
    t,
    projectId: project.id,
    sqlUrl: projectSqlUrls(t.server.ctx.config, project.id, scram.url(`app_${name}`)).databaseAuthenticatedUrl,
    accessToken: signUp.json.access_token as string,
    userId: signUp.json.user_id as string,
    login: endUserLogin(secret, 'authenticated'),
  };
}

/** A server started now on the instance's database and data directory: new pools, so its /sql opens new connections. */
function freshServer(instance: Instance): Promise<RunningServer> {
  const { t } = instance;
  return startSecondServer(t, { env: { AUTHSYNC_SECRET: instance.secret, AUTHSYNC_SQL_PASSWORD_AUTH: 'on' }, baseUrl: t.url });
}

async function sql(serverUrl: string, instance: Instance, query: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${serverUrl}/sql`, {
    method: 'POST',
    headers: {
      'Neon-Connection-String': instance.sqlUrl,
      Authorization: `Bearer ${instance.accessToken}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ query, params: [] }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Whether PostgreSQL accepts the instance's derived password for its login role right now. */
function passwordLogsIn(instance: Instance): Promise<boolean> {
  return scram.passwordLogsIn(`app_${instance.name}`, { name: instance.login.user, password: instance.login.password });
}

beforeAll(async () => {
  scram = await startScramCluster();
  // One after the other: B provisions (sets up roles) after A has, as a second installation would.
  instances.push(await startInstance('a'));
  instances.push(await startInstance('b'));
}, 240_000);

afterAll(async () => {
  for (const instance of instances) await instance.t.stop();
  await scram?.stop();
});

describe('instances with different secrets share a cluster', () => {
  it('each secret has its own login roles, members of authenticated only; authenticated itself cannot log in', async () => {
    const [a, b] = instances as [Instance, Instance];
    expect(a.login.user).not.toBe(b.login.user);
    expect(a.login.user).toMatch(/^authsync_[0-9a-f]{12}_authenticated$/);
    const { rows } = await scram.query(
      `SELECT m.rolname AS member, r.rolname AS role, m.rolcanlogin AS login, m.rolinherit AS inherit
         FROM pg_auth_members x JOIN pg_roles m ON m.oid = x.member JOIN pg_roles r ON r.oid = x.roleid
        WHERE m.rolname = ANY($1::text[]) ORDER BY 1, 2`,
      [[a.login.user, b.login.user]],
    );
    expect(rows).toEqual(
      [a, b]
        .map((instance) => ({ member: instance.login.user, role: 'authenticated', login: true, inherit: false }))
        .sort((x, y) => x.member.localeCompare(y.member)),
    );
    const group = await scram.query(`SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname IN ('authenticated', 'anonymous') ORDER BY 1`);
    expect(group.rows).toEqual([
      { rolname: 'anonymous', rolcanlogin: false },
      { rolname: 'authenticated', rolcanlogin: false },
    ]);
  });

  it("provisioning by one instance leaves the other's password working", async () => {
    const [a, b] = instances as [Instance, Instance];
    expect(await passwordLogsIn(a)).toBe(true);
    expect(await passwordLogsIn(b)).toBe(true);
    // A provisions again (as at every start), then B: each still logs in with its own password.
    await provisionProject(a.t.server.ctx, a.projectId);
    await provisionProject(b.t.server.ctx, b.projectId);
    expect(await passwordLogsIn(a)).toBe(true);
    expect(await passwordLogsIn(b)).toBe(true);
  });

  it('both serve /sql on new connections, in turns, as their own users, with the session running as authenticated', async () => {
    const [a, b] = instances as [Instance, Instance];
    for (let round = 0; round < 2; round++) {
      for (const instance of [a, b]) {
        const server = await freshServer(instance);
        try {
          const answer = await sql(
            server.url,
            instance,
            `INSERT INTO notes (body) VALUES ('round ${round}') RETURNING user_id, current_user AS role, session_user AS login`,
          );
          expect(answer.status, JSON.stringify(answer.body)).toBe(200);
          expect(answer.body.rows).toEqual([{ user_id: instance.userId, role: 'authenticated', login: instance.login.user }]);
        } finally {
          await server.stop();
        }
      }
    }
    // Neither instance had anything to repair: the passwords are still the ones each derives.
    expect(await passwordLogsIn(a)).toBe(true);
    expect(await passwordLogsIn(b)).toBe(true);
  });

  it("an end user's SET ROLE NONE ends with its request: the pooled connection runs the next request as authenticated", async () => {
    const [a] = instances as [Instance];
    const server = await freshServer(a);
    try {
      const response = await fetch(`${server.url}/sql`, {
        method: 'POST',
        headers: { 'Neon-Connection-String': a.sqlUrl, Authorization: `Bearer ${a.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          queries: [
            { query: 'SET ROLE NONE', params: [] },
            { query: 'SELECT current_user AS role', params: [] },
          ],
        }),
      });
      const batch = (await response.json()) as { results: { rows: unknown[] }[] };
      expect(response.status, JSON.stringify(batch)).toBe(200);
      expect(batch.results[1]!.rows).toEqual([{ role: a.login.user }]);
      // One connection in the pool so far: the next requests reuse it.
      for (let i = 0; i < 3; i++) {
        const answer = await sql(server.url, a, 'SELECT current_user AS role, pg_backend_pid() AS pid');
        expect(answer.status).toBe(200);
        expect((answer.body.rows as { role: string }[])[0]!.role).toBe('authenticated');
      }
    } finally {
      await server.stop();
    }
  });
});
