/**
 * Anyone can create an anonymous user with the publishable client key. Its token runs as `anonymous` on /sql and is
 * refused for `authenticated` (where a policy `TO authenticated USING (true)` would let every visitor in), unless the
 * project opts in: `sql_anonymous_tokens_as_authenticated`, set with `authsync project update
 * --allow-anonymous-on-authenticated true` or the dashboard's Configuration page.
 */
import { neon, NeonDbError, type NeonQueryFunction } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProjectConfig } from '../../src/projects/project-config.js';
import { updateProject } from '../../src/projects/projects.js';
import { ANONYMOUS_ON_AUTHENTICATED } from '../../src/sql/token-role.js';
import { runCli } from '../cli/run-cli.js';
import { DASHBOARD_SECRET, dashboardSession } from '../helpers/dashboard-session.js';
import type { TestServer } from '../helpers/server.js';
import { signUpAnonymous, startTodosFixture, type sqlUrls, type TestUser } from '../rls/support.js';

let t: TestServer;
let urls: ReturnType<typeof sqlUrls>;
let alice: TestUser;
let owner: NeonQueryFunction<false, false>;

beforeAll(async () => {
  ({ t, urls, alice } = await startTodosFixture({ env: { AUTHSYNC_ADMIN_SECRET: DASHBOARD_SECRET } }));
  owner = neon(urls.databaseUrl);
  // The policy an app writes for "any signed-in user": open to everyone if anonymous tokens count as authenticated.
  await owner.query(`CREATE TABLE members_only (note text)`);
  await owner.query(`ALTER TABLE members_only ENABLE ROW LEVEL SECURITY`);
  await owner.query(`CREATE POLICY members_read ON members_only FOR SELECT TO authenticated USING (true)`);
  await owner.query(`GRANT SELECT ON members_only TO authenticated, anonymous`);
  await owner.query(`INSERT INTO members_only VALUES ('for members only')`);
});

afterAll(async () => {
  await t?.stop();
});

describe('anonymous tokens stay anonymous', () => {
  it("refuses an anonymous user's token for authenticated (400, Neon's shape); a signed-up user's passes", async () => {
    const visitor = await signUpAnonymous(t);
    const error = (await neon(urls.databaseAuthenticatedUrl, { authToken: visitor.accessToken })`SELECT note FROM members_only`.catch(
      (e: unknown) => e,
    )) as NeonDbError;
    expect(error).toBeInstanceOf(NeonDbError);
    expect(error.message).toBe(ANONYMOUS_ON_AUTHENTICATED);
    expect(error.code).toBe('');
    expect(await neon(urls.databaseAuthenticatedUrl, { authToken: alice.accessToken })`SELECT note FROM members_only`).toEqual([
      { note: 'for members only' },
    ]);
  });

  it('accepts it for anonymous, where the policy TO authenticated does not apply', async () => {
    const visitor = await signUpAnonymous(t);
    const asAnonymous = neon(urls.anonymousUrl, { authToken: visitor.accessToken });
    expect(await asAnonymous`SELECT auth.user_id() AS uid, current_user AS role`).toEqual([{ uid: visitor.id, role: 'anonymous' }]);
    expect(await asAnonymous`SELECT note FROM members_only`).toEqual([]);
  });

  it('the status of the refusal is 400, with the 17 keys', async () => {
    const visitor = await signUpAnonymous(t);
    const response = await fetch(urls.sqlEndpoint, {
      method: 'POST',
      headers: { 'Neon-Connection-String': urls.databaseAuthenticatedUrl, Authorization: `Bearer ${visitor.accessToken}` },
      body: JSON.stringify({ query: 'SELECT 1', params: [] }),
    });
    expect(response.status).toBe(400);
    expect(Object.keys((await response.json()) as object)).toHaveLength(17);
  });

  it('a project that opts in (CLI: project update --allow-anonymous-on-authenticated true) accepts it; false takes it back', async () => {
    const visitor = await signUpAnonymous(t);
    const asVisitor = neon(urls.databaseAuthenticatedUrl, { authToken: visitor.accessToken });
    const common = ['--id', t.projectId, '--database-url', t.databaseUrl!, '--data-dir', t.dataDir, '--json'];
    const on = await runCli(['project', 'update', ...common, '--allow-anonymous-on-authenticated', 'true']);
    expect(on.code, on.stderr).toBe(0);
    expect(JSON.parse(on.stdout)).toMatchObject({ projectId: t.projectId, allowAnonymousOnAuthenticated: true });
    // The CLI's change reaches the server through its project cache (NOTIFY), as every project change does.
    await expect
      .poll(async () => asVisitor`SELECT note FROM members_only`.catch((e: Error) => e.message), { timeout: 10_000 })
      .toEqual([{ note: 'for members only' }]);
    const off = await runCli(['project', 'update', ...common, '--allow-anonymous-on-authenticated', 'false']);
    expect(off.code, off.stderr).toBe(0);
    await expect
      .poll(
        async () =>
          asVisitor`SELECT 1`.then(
            () => 'accepted',
            (e: Error) => e.message,
          ),
        { timeout: 10_000 },
      )
      .toBe(ANONYMOUS_ON_AUTHENTICATED);
    const bad = await runCli(['project', 'update', ...common, '--allow-anonymous-on-authenticated', 'maybe']);
    expect(bad.code).not.toBe(0);
  });

  it("the dashboard's Configuration page has the checkbox, and saving it takes effect", async () => {
    const visitor = await signUpAnonymous(t);
    const asVisitor = neon(urls.databaseAuthenticatedUrl, { authToken: visitor.accessToken });
    const session = await dashboardSession(t.url, t.projectId);
    const checkbox = async () =>
      /<input type="checkbox" name="sql_anonymous_tokens_as_authenticated"\s*(checked)?>/.exec(
        await session.get(`/projects/${t.projectId}/configuration`),
      )?.[1];
    expect(await session.post(`/projects/${t.projectId}/configuration/sql-settings`, {})).toBe(303);
    expect(await checkbox()).toBeUndefined();
    expect(await session.post(`/projects/${t.projectId}/configuration/sql-settings`, { sql_anonymous_tokens_as_authenticated: 'on' })).toBe(
      303,
    );
    expect(await checkbox()).toBe('checked');
    await expect
      .poll(async () => asVisitor`SELECT note FROM members_only`.catch((e: Error) => e.message), { timeout: 10_000 })
      .toEqual([{ note: 'for members only' }]);
    expect(await session.post(`/projects/${t.projectId}/configuration/sql-settings`, {})).toBe(303);
    expect(await checkbox()).toBeUndefined();
    await expect
      .poll(
        async () =>
          asVisitor`SELECT 1`.then(
            () => 'accepted',
            (e: Error) => e.message,
          ),
        { timeout: 10_000 },
      )
      .toBe(ANONYMOUS_ON_AUTHENTICATED);
  });

  it('the setting is off by default, and the dashboard-level function keeps it', async () => {
    expect(parseProjectConfig({}).sql_anonymous_tokens_as_authenticated).toBe(false);
    const updated = await updateProject(t.server.ctx.db, t.projectId, { config: { sql_anonymous_tokens_as_authenticated: true } });
    expect(updated!.config.sql_anonymous_tokens_as_authenticated).toBe(true);
    expect(
      (await updateProject(t.server.ctx.db, t.projectId, { displayName: 'renamed' }))!.config.sql_anonymous_tokens_as_authenticated,
    ).toBe(true);
  });
});
