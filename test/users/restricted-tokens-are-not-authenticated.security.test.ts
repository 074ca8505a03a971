/**
 * A restricted user has not met the project's conditions for being signed in (its primary e-mail is not verified
 * where the project requires it, or an administrator restricted it), and anyone can sign up one with the publishable
 * key. Its token runs as `anonymous` on /sql and is refused for `authenticated`, whatever the project's setting for
 * anonymous users, so a policy `TO authenticated` stays closed to it; it is not in the project's default JWKS; and the
 * API refuses it without `x-stack-allow-restricted-user`, even a token signed before the user was restricted.
 */
import { neon, NeonDbError } from '@neondatabase/serverless';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateProject } from '../../src/projects/projects.js';
import { RESTRICTED_ON_AUTHENTICATED } from '../../src/sql/token-role.js';
import { runCli } from '../cli/run-cli.js';
import { api, serverHeaders, type TestServer } from '../helpers/server.js';
import { signUp, startTodosFixture, type sqlUrls } from '../rls/support.js';
import { expectKnownError, withToken } from '../api/support.js';

let t: TestServer;
let urls: ReturnType<typeof sqlUrls>;

beforeAll(async () => {
  ({ t, urls } = await startTodosFixture());
  const owner = neon(urls.databaseUrl);
  await owner.query(`CREATE TABLE members_only (note text)`);
  await owner.query(`ALTER TABLE members_only ENABLE ROW LEVEL SECURITY`);
  await owner.query(`CREATE POLICY members_read ON members_only FOR SELECT TO authenticated USING (true)`);
  await owner.query(`GRANT SELECT ON members_only TO authenticated, anonymous`);
  await owner.query(`INSERT INTO members_only VALUES ('for members only')`);
});

afterAll(async () => {
  await t?.stop();
});

const membersOnly = (url: string, token: string) =>
  neon(url, { authToken: token })`SELECT note FROM members_only`.catch((e: unknown) => e as NeonDbError);

describe('restricted tokens are not authenticated', () => {
  it('the CLI turns the requirement on (project update --require-email-verification true)', async () => {
    const common = ['--id', t.projectId, '--database-url', t.databaseUrl!, '--data-dir', t.dataDir, '--json'];
    const on = await runCli(['project', 'update', ...common, '--require-email-verification', 'true']);
    expect(on.code, on.stderr).toBe(0);
    expect(JSON.parse(on.stdout)).toMatchObject({ projectId: t.projectId, requireEmailVerification: true });
  });

  it('an unverified user signed up with the publishable key runs as anonymous only on /sql', async () => {
    const visitor = await signUp(t, `unverified-${Date.now()}@example.com`);
    const refused = await membersOnly(urls.databaseAuthenticatedUrl, visitor.accessToken);
    expect(refused).toBeInstanceOf(NeonDbError);
    expect((refused as NeonDbError).message).toBe(RESTRICTED_ON_AUTHENTICATED);
    const asAnonymous = neon(urls.anonymousUrl, { authToken: visitor.accessToken });
    expect(await asAnonymous`SELECT auth.user_id() AS uid, current_user AS role`).toEqual([{ uid: visitor.id, role: 'anonymous' }]);
    expect(await asAnonymous`SELECT note FROM members_only`).toEqual([]);

    // Verified, its next token is a normal user's and passes.
    const verified = await api(t, 'PATCH', `/users/${visitor.id}`, { headers: serverHeaders(t), body: { primary_email_verified: true } });
    expect(verified.json.is_restricted).toBe(false);
    const signedIn = await api(t, 'POST', '/auth/password/sign-in', {
      body: { email: verified.json.primary_email, password: 'correct horse battery staple' },
    });
    expect(await membersOnly(urls.databaseAuthenticatedUrl, signedIn.json.access_token as string)).toEqual([{ note: 'for members only' }]);
  });

  it("the project's opt-in for anonymous users does not open authenticated to restricted ones", async () => {
    await updateProject(t.server.ctx.db, t.projectId, { config: { sql_anonymous_tokens_as_authenticated: true } });
    try {
      const visitor = await signUp(t, `opt-in-${Date.now()}@example.com`);
      const refused = await membersOnly(urls.databaseAuthenticatedUrl, visitor.accessToken);
      expect((refused as NeonDbError).message).toBe(RESTRICTED_ON_AUTHENTICATED);
    } finally {
      await updateProject(t.server.ctx.db, t.projectId, { config: { sql_anonymous_tokens_as_authenticated: false } });
    }
  });

  it("a restricted user's token does not verify against the project's default JWKS", async () => {
    const visitor = await signUp(t, `jwks-${Date.now()}@example.com`);
    const jwks = createRemoteJWKSet(new URL(`${t.apiUrl}/projects/${t.projectId}/.well-known/jwks.json`));
    await expect(jwtVerify(visitor.accessToken, jwks)).rejects.toThrow();
  });

  it('restricted by an administrator: refused on /sql for authenticated, and by the API with its older token', async () => {
    await updateProject(t.server.ctx.db, t.projectId, { config: { require_email_verification: false } });
    const user = await signUp(t, `admin-${Date.now()}@example.com`);
    expect(await membersOnly(urls.databaseAuthenticatedUrl, user.accessToken)).toEqual([{ note: 'for members only' }]);
    await api(t, 'PATCH', `/users/${user.id}`, { headers: serverHeaders(t), body: { restricted_by_admin: true } });
    // The token signed before the restriction: the API reads the user, not the token's claims.
    expectKnownError(await api(t, 'GET', '/users/me', { headers: withToken(t, user.accessToken) }), 'RESTRICTED_USER_NOT_ALLOWED', 403, {
      restricted_reason: { type: 'restricted_by_administrator' },
    });
    // A token signed after it is a restricted user's token.
    const session = await api(t, 'POST', '/auth/sessions', { headers: serverHeaders(t), body: { user_id: user.id } });
    expect(session.status, session.text).toBe(200);
    const refused = await membersOnly(urls.databaseAuthenticatedUrl, session.json.access_token as string);
    expect((refused as NeonDbError).message).toBe(RESTRICTED_ON_AUTHENTICATED);
  });
});
