/**
 * Restricted users, as Stack computes them: anonymous; an unverified (or missing) primary e-mail while the project
 * requires verification (`require_email_verification`, set with PATCH /internal/projects/current); restricted by an
 * administrator. The user object says so (`is_restricted`, `restricted_reason`), GET /users leaves them out unless
 * asked, their tokens have their own audience, issuer and key (published with `include_restricted`), the API refuses
 * their token without `x-stack-allow-restricted-user`, and they cannot accept team invitations nor read their details.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { expect, it } from 'vitest';
import { adminHeaders, api, clientHeaders, describeOnEachStore, serverHeaders } from '../helpers/server.js';
import { linkCode, waitForMail } from '../helpers/mail.js';
import { decodeHeader, decodePayload, expectKnownError, signIn, signUp, uniqueEmail, withToken } from '../api/support.js';
import { serverTeam } from '../teams/support.js';

const ALLOW = { 'x-stack-allow-restricted-user': 'true' };
const CALLBACK = 'http://localhost:3000/handler/team-invitation';

describeOnEachStore('restricted users on %s', (t) => {
  const requireVerification = async (on: boolean) => {
    const res = await api(t, 'PATCH', '/internal/projects/current', {
      headers: adminHeaders(t),
      body: { config: { require_email_verification: on } },
    });
    expect(res.status, res.text).toBe(200);
  };
  const createUser = async (body: Record<string, unknown>) => {
    const res = await api(t, 'POST', '/users', { headers: serverHeaders(t), body });
    expect(res.status, res.text).toBe(201);
    return res.json;
  };
  const listedIds = async (query = '') => {
    const res = await api(t, 'GET', `/users${query}`, { headers: serverHeaders(t) });
    expect(res.status, res.text).toBe(200);
    return (res.json.items as Array<{ id: string }>).map((u) => u.id);
  };

  it('an unverified primary e-mail restricts only while the project requires verification', async () => {
    await requireVerification(false);
    const user = await createUser({ primary_email: uniqueEmail('unverified'), primary_email_auth_enabled: true });
    expect(user).toMatchObject({ primary_email_verified: false, is_restricted: false, restricted_reason: null });
    expect(await listedIds()).toContain(user.id);

    await requireVerification(true);
    try {
      const read = await api(t, 'GET', `/users/${user.id as string}`, { headers: serverHeaders(t) });
      expect(read.json).toMatchObject({ is_restricted: true, restricted_reason: { type: 'email_not_verified' } });
      // No primary e-mail at all counts as not verified, as on Stack.
      expect(await createUser({ display_name: 'No Mail' })).toMatchObject({
        is_restricted: true,
        restricted_reason: { type: 'email_not_verified' },
      });
      const verified = await createUser({ primary_email: uniqueEmail('verified'), primary_email_verified: true });
      expect(verified).toMatchObject({ is_restricted: false, restricted_reason: null });

      expect(await listedIds()).toContain(verified.id);
      expect(await listedIds()).not.toContain(user.id);
      expect(await listedIds('?include_restricted=true')).toEqual(expect.arrayContaining([user.id, verified.id]));
      expect(await listedIds('?include_anonymous=true')).toEqual(expect.arrayContaining([user.id, verified.id]));

      // Verifying the address lifts the restriction at once.
      const patched = await api(t, 'PATCH', `/users/${user.id as string}`, {
        headers: serverHeaders(t),
        body: { primary_email_verified: true },
      });
      expect(patched.json).toMatchObject({ is_restricted: false, restricted_reason: null });
      expect(await listedIds()).toContain(user.id);
    } finally {
      await requireVerification(false);
    }
  });

  it("the reasons come in Stack's order: anonymous, then e-mail not verified, then restricted by an administrator", async () => {
    await requireVerification(true);
    try {
      const both = await createUser({ primary_email: uniqueEmail('both'), restricted_by_admin: true, restricted_by_admin_reason: 'spam' });
      expect(both).toMatchObject({
        is_restricted: true,
        restricted_reason: { type: 'email_not_verified' },
        restricted_by_admin: true,
        restricted_by_admin_reason: 'spam',
      });
      const admin = await createUser({ primary_email: uniqueEmail('admin'), primary_email_verified: true, restricted_by_admin: true });
      expect(admin).toMatchObject({ is_restricted: true, restricted_reason: { type: 'restricted_by_administrator' } });
      const anonymous = await createUser({ is_anonymous: true });
      expect(anonymous).toMatchObject({ is_restricted: true, restricted_reason: { type: 'anonymous' } });

      const listed = await listedIds();
      for (const user of [both, admin, anonymous]) expect(listed).not.toContain(user.id);
      const withRestricted = await listedIds('?include_restricted=true');
      expect(withRestricted).toEqual(expect.arrayContaining([both.id, admin.id]));
      expect(withRestricted).not.toContain(anonymous.id);
      expect(await listedIds('?include_anonymous=true')).toEqual(expect.arrayContaining([both.id, admin.id, anonymous.id]));
      expect(await listedIds('?include_anonymous=true&only_anonymous=true')).toEqual(expect.arrayContaining([anonymous.id]));
      expect(await listedIds('?include_anonymous=true&only_anonymous=true')).not.toContain(admin.id);
    } finally {
      await requireVerification(false);
    }
  });

  it("a restricted user's token has its own audience, issuer and key, published only with include_restricted", async () => {
    await requireVerification(true);
    try {
      const user = await signUp(t);
      const claims = decodePayload(user.accessToken);
      expect(claims).toMatchObject({
        sub: user.userId,
        aud: `${t.projectId}:restricted`,
        iss: `${t.url}/api/v1/projects-restricted-users/${t.projectId}`,
        role: 'authenticated',
        is_anonymous: false,
        is_restricted: true,
        restricted_reason: { type: 'email_not_verified' },
        email_verified: false,
      });
      const jwks = async (query: string, path = 'projects') => {
        const res = await api(t, 'GET', `/${path}/${t.projectId}/.well-known/jwks.json${query}`, { headers: {} });
        expect(res.status, res.text).toBe(200);
        return (res.json.keys as Array<{ kid: string }>).map((k) => k.kid);
      };
      const kid = decodeHeader(user.accessToken).kid as string;
      // Two keys per kind of user, as on Stack: the signing key and the next one.
      expect(await jwks('')).toHaveLength(2);
      expect(await jwks('')).not.toContain(kid);
      expect(await jwks('?include_restricted=true')).toHaveLength(4);
      expect(await jwks('?include_restricted=true')).toContain(kid);
      expect(new Set(await jwks('?include_anonymous=true')).size).toBe(6);
      expect(await jwks('', 'projects-restricted-users')).toContain(kid);

      const url = (query: string) => new URL(`${t.apiUrl}/projects/${t.projectId}/.well-known/jwks.json${query}`);
      await expect(jwtVerify(user.accessToken, createRemoteJWKSet(url('')))).rejects.toThrow();
      const { payload } = await jwtVerify(user.accessToken, createRemoteJWKSet(url('?include_restricted=true')), {
        audience: `${t.projectId}:restricted`,
      });
      expect(payload.sub).toBe(user.userId);

      // Verified: the next token is a normal user's again.
      await api(t, 'PATCH', `/users/${user.userId}`, { headers: serverHeaders(t), body: { primary_email_verified: true } });
      const again = await signIn(t, user.email);
      expect(decodePayload(again.json.access_token as string)).toMatchObject({
        aud: t.projectId,
        iss: `${t.url}/api/v1/projects/${t.projectId}`,
        is_restricted: false,
        restricted_reason: null,
      });
    } finally {
      await requireVerification(false);
    }
  });

  it('the API refuses a restricted user without x-stack-allow-restricted-user, as Stack does', async () => {
    await requireVerification(true);
    try {
      const user = await signUp(t);
      expectKnownError(await api(t, 'GET', '/users/me', { headers: withToken(t, user.accessToken) }), 'RESTRICTED_USER_NOT_ALLOWED', 403, {
        restricted_reason: { type: 'email_not_verified' },
      });
      const me = await api(t, 'GET', '/users/me', { headers: withToken(t, user.accessToken, ALLOW) });
      expect(me.status, me.text).toBe(200);
      expect(me.json).toMatchObject({ id: user.userId, is_restricted: true, restricted_reason: { type: 'email_not_verified' } });
    } finally {
      await requireVerification(false);
    }
    // A token signed while the user was unrestricted is refused once it is restricted, without waiting for a refresh.
    const later = await signUp(t);
    await api(t, 'PATCH', `/users/${later.userId}`, { headers: serverHeaders(t), body: { restricted_by_admin: true } });
    expectKnownError(await api(t, 'GET', '/users/me', { headers: withToken(t, later.accessToken) }), 'RESTRICTED_USER_NOT_ALLOWED', 403, {
      restricted_reason: { type: 'restricted_by_administrator' },
    });
  });

  it('restricted users can neither accept a team invitation nor read its details; verified, they can', async () => {
    await requireVerification(true);
    try {
      const team = await serverTeam(t, 'Verified Only');
      const teamId = team.id as string;
      const user = await signUp(t);
      const sent = await api(t, 'POST', '/team-invitations/send-code', {
        headers: serverHeaders(t),
        body: { team_id: teamId, email: user.email, callback_url: CALLBACK },
      });
      expect(sent.status, sent.text).toBe(200);
      const code = linkCode((await waitForMail(t, user.email, { subject: 'You have been invited' })).text, CALLBACK);
      const refused = {
        restricted_reason: { type: 'email_not_verified' },
      };
      const asUser = withToken(t, user.accessToken, ALLOW);
      const accept = await api(t, 'POST', '/team-invitations/accept', { headers: asUser, body: { code } });
      expectKnownError(accept, 'TEAM_INVITATION_RESTRICTED_USER_NOT_ALLOWED', 403, refused);
      expect(accept.json.error).toBe(
        'Restricted users cannot accept team invitations. Reason: email_not_verified. Please complete the onboarding process before accepting team invitations.',
      );
      expectKnownError(
        await api(t, 'POST', '/team-invitations/accept/details', { headers: asUser, body: { code } }),
        'TEAM_INVITATION_RESTRICTED_USER_NOT_ALLOWED',
        403,
        refused,
      );
      // A wrong code is still the code's error: the code is checked first.
      expectKnownError(
        await api(t, 'POST', '/team-invitations/accept', { headers: asUser, body: { code: 'x'.repeat(45) } }),
        'VERIFICATION_CODE_NOT_FOUND',
        404,
      );
      // An anonymous user is refused with its own reason.
      const anon = await api(t, 'POST', '/auth/anonymous/sign-up', { headers: clientHeaders(t) });
      expectKnownError(
        await api(t, 'POST', '/team-invitations/accept', {
          headers: withToken(t, anon.json.access_token as string, { 'x-stack-allow-anonymous-user': 'true' }),
          body: { code },
        }),
        'TEAM_INVITATION_RESTRICTED_USER_NOT_ALLOWED',
        403,
        { restricted_reason: { type: 'anonymous' } },
      );

      // The refusals left the code unused: once verified, the user accepts it.
      await api(t, 'PATCH', `/users/${user.userId}`, { headers: serverHeaders(t), body: { primary_email_verified: true } });
      const fresh = (await signIn(t, user.email)).json.access_token as string;
      const details = await api(t, 'POST', '/team-invitations/accept/details', { headers: withToken(t, fresh), body: { code } });
      expect(details.json).toEqual({ team_id: teamId, team_display_name: 'Verified Only' });
      const accepted = await api(t, 'POST', '/team-invitations/accept', { headers: withToken(t, fresh), body: { code } });
      expect(accepted.status, accepted.text).toBe(200);
      expect(await listedIds(`?team_id=${teamId}`)).toEqual([user.userId]);
    } finally {
      await requireVerification(false);
    }
  });

  it("a project made before restricted users had a key gets one when the first restricted user's token is signed", async () => {
    const { db, directory } = t.server.ctx;
    await db.query("DELETE FROM authsync.signing_keys WHERE project_id = $1 AND audience = 'restricted'", [t.projectId]);
    directory.invalidate(t.projectId);
    await requireVerification(true);
    try {
      const user = await signUp(t);
      const kid = decodeHeader(user.accessToken).kid as string;
      const { rows } = await db.query<{ audience: string; pending: boolean }>(
        'SELECT audience, pending FROM authsync.signing_keys WHERE kid = $1 AND project_id = $2',
        [kid, t.projectId],
      );
      expect(rows).toEqual([{ audience: 'restricted', pending: false }]);
      expect(decodePayload(user.accessToken).aud).toBe(`${t.projectId}:restricted`);
      const me = await api(t, 'GET', '/users/me', { headers: withToken(t, user.accessToken, ALLOW) });
      expect(me.status, me.text).toBe(200);
      // A second restricted user is signed with the same key: one key was made.
      expect(decodeHeader((await signUp(t)).accessToken).kid).toBe(kid);
    } finally {
      await requireVerification(false);
    }
  });

  it('require_email_verification is a typed setting: a boolean, or SCHEMA_ERROR', async () => {
    const res = await api(t, 'PATCH', '/internal/projects/current', {
      headers: adminHeaders(t),
      body: { config: { require_email_verification: 'yes' } },
    });
    expectKnownError(res, 'SCHEMA_ERROR', 400);
  });
});
