/**
 * Who may administer a project through the internal project, on PostgreSQL: only a user of the internal project who
 * is a member of the project's owner team. Another project's user token, a non-member's token, a visitor of an
 * instance whose internal sign-up is off, and a project's key set used on another project are all refused.
 */
import { describe, expect, it } from 'vitest';
import { api, useTestServer } from '../helpers/server.js';
import { expectKnownError, signUp, uniqueEmail, withToken, PASSWORD } from '../api/support.js';
import {
  adminTokenHeaders,
  createOwnedProject,
  DEV_KEYS_ENV,
  internal,
  KEY_SET_BODY,
  setInternalSignUp,
  signUpOperator,
} from './support.js';

const t = useTestServer({ env: DEV_KEYS_ENV });

async function projectCount(): Promise<number> {
  const { rows } = await t.server.ctx.db.query<{ n: string }>('SELECT count(*) AS n FROM authsync.projects');
  return Number(rows[0]!.n);
}

describe('admin access through the internal project', () => {
  it('a user of another project is refused as admin token, even for that project', async () => {
    const appUser = await signUp(t);
    const res = await api(t, 'GET', '/internal/projects/current', { headers: adminTokenHeaders(t.projectId, appUser.accessToken) });
    expectKnownError(res, 'ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN', 401);
    const keys = await api(t, 'POST', '/internal/api-keys', {
      headers: adminTokenHeaders(t.projectId, appUser.accessToken),
      body: KEY_SET_BODY,
    });
    expectKnownError(keys, 'ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN', 401);
  });

  it('a user not in the owner team gets ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN, whatever the access type', async () => {
    await setInternalSignUp(t, true);
    const owner = await signUpOperator(t);
    const stranger = await signUpOperator(t);
    await setInternalSignUp(t, false);
    const projectId = await createOwnedProject(t, owner);
    for (const accessType of ['admin', 'server', 'client']) {
      const res = await api(t, 'GET', '/users', {
        headers: { ...adminTokenHeaders(projectId, stranger.accessToken), 'x-stack-access-type': accessType },
      });
      expectKnownError(res, 'ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN', 401);
    }
    const keys = await api(t, 'POST', '/internal/api-keys', {
      headers: adminTokenHeaders(projectId, stranger.accessToken),
      body: KEY_SET_BODY,
    });
    expectKnownError(keys, 'ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN', 401);
    // The stranger's list does not show it; the owner's token does open it.
    const list = await api(internal(t), 'GET', '/internal/projects', { headers: withToken(internal(t), stranger.accessToken) });
    expect(list.json.items).toEqual([]);
    const own = await api(t, 'GET', '/internal/projects/current', { headers: adminTokenHeaders(projectId, owner.accessToken) });
    expect(own.status).toBe(200);
    // The internal project itself has no owner team: no operator administers it through a token.
    const internalAdmin = await api(t, 'GET', '/internal/projects/current', { headers: adminTokenHeaders('internal', owner.accessToken) });
    expectKnownError(internalAdmin, 'ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN', 401);
  });

  it('with the internal sign-up off, a visitor with only the publishable key cannot make an account or a project', async () => {
    await setInternalSignUp(t, false);
    const before = await projectCount();
    const signUpRes = await api(internal(t), 'POST', '/auth/password/sign-up', { body: { email: uniqueEmail(), password: PASSWORD } });
    expectKnownError(signUpRes, 'SIGN_UP_NOT_ENABLED', 400);
    const otp = await api(internal(t), 'POST', '/auth/otp/send-sign-in-code', {
      body: { email: uniqueEmail(), callback_url: 'http://localhost:3000/handler/magic-link-callback' },
    });
    expect(otp.status).not.toBe(200);
    const noUser = await api(internal(t), 'POST', '/internal/projects', { body: { display_name: 'X', owner_team_id: t.projectId } });
    expectKnownError(noUser, 'USER_AUTHENTICATION_REQUIRED', 401);

    // An anonymous user is no operator, not even with a team of its own (made while sign-up was briefly on, as an
    // instance that allows anonymous sign-up would).
    await setInternalSignUp(t, true);
    const anonymous = await api(internal(t), 'POST', '/auth/anonymous/sign-up', { body: {} });
    await setInternalSignUp(t, false);
    expect(anonymous.status, anonymous.text).toBe(200);
    const headers = withToken(internal(t), anonymous.json.access_token as string, { 'x-stack-allow-anonymous-user': 'true' });
    const team = await api(internal(t), 'POST', '/teams', { headers, body: { display_name: 'Mine', creator_user_id: 'me' } });
    expect(team.status, team.text).toBe(201);
    const res = await api(internal(t), 'POST', '/internal/projects', { headers, body: { display_name: 'X', owner_team_id: team.json.id } });
    expectKnownError(res, 'USER_AUTHENTICATION_REQUIRED', 401);
    const admin = await api(t, 'GET', '/internal/projects', {
      headers: adminTokenHeaders(t.projectId, anonymous.json.access_token as string),
    });
    expectKnownError(admin, 'UNPARSABLE_ADMIN_ACCESS_TOKEN', 401);
    expect(await projectCount()).toBe(before);
  });

  it("a project's keys from /internal/api-keys work only for that project", async () => {
    await setInternalSignUp(t, true);
    const owner = await signUpOperator(t);
    const projectA = await createOwnedProject(t, owner);
    const projectB = await createOwnedProject(t, owner);
    const res = await api(t, 'POST', '/internal/api-keys', { headers: adminTokenHeaders(projectA, owner.accessToken), body: KEY_SET_BODY });
    const keys = res.json;
    const serverOn = (projectId: string) => ({
      'x-stack-access-type': 'server',
      'x-stack-project-id': projectId,
      'x-stack-secret-server-key': keys.secret_server_key as string,
    });
    expect((await api(t, 'GET', '/users', { headers: serverOn(projectA) })).status).toBe(200);
    for (const other of [projectB, t.projectId, 'internal']) {
      expectKnownError(await api(t, 'GET', '/users', { headers: serverOn(other) }), 'INVALID_SECRET_SERVER_KEY', 401);
      const admin = await api(t, 'GET', '/internal/projects/current', {
        headers: {
          'x-stack-access-type': 'admin',
          'x-stack-project-id': other,
          'x-stack-super-secret-admin-key': keys.super_secret_admin_key as string,
        },
      });
      expectKnownError(admin, 'INVALID_SUPER_SECRET_ADMIN_KEY', 401);
      const client = await api(t, 'POST', '/auth/password/sign-in', {
        headers: {
          'x-stack-access-type': 'client',
          'x-stack-project-id': other,
          'x-stack-publishable-client-key': keys.publishable_client_key as string,
          'content-type': 'application/json',
        },
        body: { email: uniqueEmail(), password: PASSWORD },
      });
      expectKnownError(client, 'INVALID_PUBLISHABLE_CLIENT_KEY', 401);
    }
  });
});
