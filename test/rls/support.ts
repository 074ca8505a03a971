/** Shared set-up of the RLS tests: a server, users with real access tokens, the Neon driver pointed at /sql. */
import { neon, neonConfig } from '@neondatabase/serverless';
import { adminQuery } from '../helpers/databases.js';
import { api, clientHeaders, startTestServer, type TestServer, type TestServerOptions } from '../helpers/server.js';
import { endUserLogin, type EndUserLogin, type EndUserRole } from '../../src/rls/end-user-roles.js';
import { projectSqlUrls } from '../../src/sql/project-urls.js';

export interface TestUser {
  id: string;
  accessToken: string;
}

export async function signUp(t: TestServer, email: string): Promise<TestUser> {
  const res = await api(t, 'POST', '/auth/password/sign-up', { body: { email, password: 'correct horse battery staple' } });
  if (res.status !== 200) throw new Error(`sign-up failed: ${res.text}`);
  return { id: res.json.user_id as string, accessToken: res.json.access_token as string };
}

export async function signUpAnonymous(t: TestServer): Promise<TestUser> {
  const res = await fetch(`${t.apiUrl}/auth/anonymous/sign-up`, { method: 'POST', headers: clientHeaders(t), body: '{}' });
  const json = (await res.json()) as { user_id: string; access_token: string };
  return { id: json.user_id, accessToken: json.access_token };
}

/**
 * The role the tests' owner URL logs in as: /sql never logs in as a superuser, so the test database gets a
 * non-superuser owner of its own (createAppOwner). Embedded mode keeps its one superuser.
 */
export function appOwnerRole(t: TestServer): string | undefined {
  return t.databaseUrl ? `${new URL(t.databaseUrl).pathname.slice(1)}_owner` : undefined;
}

/** Creates appOwnerRole(t), makes it the owner of the test database, and drops it when the server stops. */
export async function createAppOwner(t: TestServer): Promise<void> {
  const role = appOwnerRole(t);
  if (!role) return;
  await adminQuery(`CREATE ROLE ${role} LOGIN PASSWORD 'owner-password'`);
  await adminQuery(`ALTER DATABASE ${new URL(t.databaseUrl!).pathname.slice(1)} OWNER TO ${role}`);
  const stop = t.stop.bind(t);
  t.stop = async () => {
    await stop();
    await adminQuery(`DROP ROLE IF EXISTS ${role}`);
  };
}

/**
 * The environment of a test server whose tests use /sql's password path on the test cluster, which trusts local
 * logins (any password would do: authsync closes the path there unless told otherwise).
 */
/** The test server's login role for an end-user role (its sessions then SET ROLE to `role`). */
export function loginOf(t: TestServer, role: EndUserRole = 'authenticated'): EndUserLogin {
  return endUserLogin(t.server.ctx.serverSecret, role);
}

/** pg.Client settings that log in as the test server's login role and run as `role`, as authsync's own connections do. */
export function endUserClientConfig(t: TestServer, role: EndUserRole = 'authenticated') {
  const login = loginOf(t, role);
  return { user: login.user, password: login.password, options: `-c role=${role}` };
}

export const PASSWORD_PATH_ON = { AUTHSYNC_SQL_PASSWORD_AUTH: 'on' };

/** The URLs `authsync project create --json` prints for the test project, and the driver configured for them. */
export function sqlUrls(t: TestServer) {
  const urls = projectSqlUrls(t.server.ctx.config, t.projectId, null);
  neonConfig.fetchEndpoint = urls.sqlEndpoint;
  // /sql requires a password on the owner path, as Neon does; the test cluster trusts local logins, so any will do.
  const owner = new URL(urls.databaseUrl);
  const role = appOwnerRole(t);
  if (role) owner.username = role;
  if (!owner.password) owner.password = 'owner-password';
  return { ...urls, databaseUrl: owner.toString(), anonymousUrl: urls.databaseAuthenticatedUrl.replace('authenticated@', 'anonymous@') };
}

/** The SQL drizzle-kit 0.31 generates for `todos` with crudPolicy({ role: authenticatedRole, read: authUid(...), modify: authUid(...) }). */
export const TODOS_MIGRATION = [
  `CREATE TABLE "todos" ("id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY, "user_id" text DEFAULT (auth.user_id()) NOT NULL, "task" text NOT NULL, "is_complete" boolean DEFAULT false NOT NULL)`,
  `ALTER TABLE "todos" ENABLE ROW LEVEL SECURITY`,
  `CREATE POLICY "crud-authenticated-policy-select" ON "todos" AS PERMISSIVE FOR SELECT TO "authenticated" USING ((select auth.user_id() = "todos"."user_id"))`,
  `CREATE POLICY "crud-authenticated-policy-insert" ON "todos" AS PERMISSIVE FOR INSERT TO "authenticated" WITH CHECK ((select auth.user_id() = "todos"."user_id"))`,
  `CREATE POLICY "crud-authenticated-policy-update" ON "todos" AS PERMISSIVE FOR UPDATE TO "authenticated" USING ((select auth.user_id() = "todos"."user_id")) WITH CHECK ((select auth.user_id() = "todos"."user_id"))`,
  `CREATE POLICY "crud-authenticated-policy-delete" ON "todos" AS PERMISSIVE FOR DELETE TO "authenticated" USING ((select auth.user_id() = "todos"."user_id"))`,
  `CREATE POLICY "crud-anonymous-policy-select" ON "todos" AS PERMISSIVE FOR SELECT TO "anonymous" USING ((select "todos"."is_complete"))`,
  // The grants of the Neon docs (the kit's default privileges would cover tables created later; these are explicit).
  `GRANT SELECT, UPDATE, INSERT, DELETE ON ALL TABLES IN SCHEMA public TO authenticated`,
  `GRANT SELECT, UPDATE, INSERT, DELETE ON ALL TABLES IN SCHEMA public TO anonymous`,
];

/**
 * A server whose app database has drizzle-kit's `todos` table (created through /sql after the legacy docs' first
 * step, `CREATE EXTENSION IF NOT EXISTS pg_session_jwt`, which installs or confirms the kit) and two signed-up users,
 * with the driver as each of them (`neon(databaseAuthenticatedUrl, { authToken })`).
 */
export async function startTodosFixture(options: TestServerOptions = {}) {
  const t = await startTestServer({ ...options, env: { ...PASSWORD_PATH_ON, ...options.env } });
  await createAppOwner(t);
  const urls = sqlUrls(t);
  const owner = neon(urls.databaseUrl);
  await owner.query('CREATE EXTENSION IF NOT EXISTS pg_session_jwt');
  for (const statement of TODOS_MIGRATION) await owner.query(statement);
  const alice = await signUp(t, 'alice@example.com');
  const bob = await signUp(t, 'bob@example.com');
  const asAlice = neon(urls.databaseAuthenticatedUrl, { authToken: alice.accessToken });
  const asBob = neon(urls.databaseAuthenticatedUrl, { authToken: bob.accessToken });
  return { t, urls, alice, bob, asAlice, asBob };
}
