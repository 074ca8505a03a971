/**
 * Personal teams (spec §3.6) on every sign-up path, on both stores: with `create_team_on_sign_up`, a new user made by
 * password sign-up, anonymous sign-up, server POST /users, OTP and OAuth gets a team named "<display name>'s Team",
 * else "<e-mail>'s Team", else "Personal Team", selected and with the user as team_admin, already in the sign-up's
 * access token and in users_sync; an upgraded anonymous user's "Personal Team" is renamed; with the setting off, none.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import { updateProject } from '../../src/projects/projects.js';
import { api, clientHeaders, describeOnEachStore, serverHeaders, type TestServer } from '../helpers/server.js';
import { linkCode, waitForMail } from '../helpers/mail.js';
import { PASSWORD, decodePayload, signUp, uniqueEmail, withToken } from '../api/support.js';
import { signInWith, useMockProvider } from '../oauth/flow.js';
import { ADMIN_PERMISSIONS, permissionsOf, setTeamConfig } from './support.js';

const OTP_CALLBACK = 'http://localhost:3000/handler/magic-link-callback';

/** Checks the user's personal team: its name, selected (user object, token claim, users_sync), the user its admin. */
async function expectPersonalTeam(t: TestServer, accessToken: string, name: string): Promise<string> {
  const me = await api(t, 'GET', '/users/me', {
    headers: serverHeaders(t, { 'x-stack-access-token': accessToken, 'x-stack-allow-anonymous-user': 'true' }),
  });
  expect(me.status, me.text).toBe(200);
  const team = me.json.selected_team as Record<string, unknown>;
  expect(team).toMatchObject({ display_name: name });
  expect(me.json.selected_team_id).toBe(team.id);
  expect(decodePayload(accessToken).selected_team_id).toBe(team.id);
  expect(await permissionsOf(t, team.id as string, me.json.id as string, false)).toEqual(['team_admin']);
  expect(await permissionsOf(t, team.id as string, me.json.id as string)).toEqual(ADMIN_PERMISSIONS);
  const { rows } = await t.server.ctx.db.query<{ raw_json: unknown }>('SELECT raw_json FROM neon_auth.users_sync WHERE id = $1', [
    me.json.id,
  ]);
  const raw = rows[0]!.raw_json;
  expect((typeof raw === 'string' ? JSON.parse(raw) : raw) as object).toMatchObject({
    selected_team_id: team.id,
    selected_team: { display_name: name },
  });
  return team.id as string;
}

describeOnEachStore('personal teams on sign-up on %s', (t) => {
  const idp = useMockProvider(t);
  beforeAll(async () => {
    await updateProject(t.server.ctx.db, t.projectId, { config: { magic_link_enabled: true, create_team_on_sign_up: true } });
    t.server.ctx.directory.invalidate(t.projectId);
  });

  it('password sign-up: "<email>\'s Team", in the first access token', async () => {
    const alice = await signUp(t);
    await expectPersonalTeam(t, alice.accessToken, `${alice.email}'s Team`);
  });

  it('server POST /users: "<display name>\'s Team" (else the e-mail, else "Personal Team")', async () => {
    const named = await api(t, 'POST', '/users', {
      headers: serverHeaders(t),
      body: { display_name: 'Dave', primary_email: uniqueEmail('dave') },
    });
    expect(named.status, named.text).toBe(201);
    // As on Stack, the answer to the create is the user read before the team was made; the next read has it.
    expect(named.json).toMatchObject({ selected_team_id: null, selected_team: null });
    const namedNow = await api(t, 'GET', `/users/${named.json.id}`, { headers: serverHeaders(t) });
    expect(namedNow.json.selected_team).toMatchObject({ display_name: "Dave's Team", server_metadata: null });
    const bare = await api(t, 'POST', '/users', { headers: serverHeaders(t), body: {} });
    const bareNow = await api(t, 'GET', `/users/${bare.json.id}`, { headers: serverHeaders(t) });
    expect(bareNow.json.selected_team).toMatchObject({ display_name: 'Personal Team' });
    const teams = await api(t, 'GET', `/teams?user_id=${bare.json.id}`, { headers: serverHeaders(t) });
    expect(teams.json.items).toEqual([expect.objectContaining({ id: bareNow.json.selected_team_id })]);
  });

  it('anonymous sign-up: "Personal Team"; upgraded by a password sign-up, the team is renamed and stays selected', async () => {
    const anon = await api(t, 'POST', '/auth/anonymous/sign-up', { headers: clientHeaders(t), body: {} });
    expect(anon.status, anon.text).toBe(200);
    const teamId = await expectPersonalTeam(t, anon.json.access_token as string, 'Personal Team');
    const email = uniqueEmail('upgraded');
    const upgraded = await api(t, 'POST', '/auth/password/sign-up', {
      headers: withToken(t, anon.json.access_token as string, { 'x-stack-allow-anonymous-user': 'true' }),
      body: { email, password: PASSWORD },
    });
    expect(upgraded.status, upgraded.text).toBe(200);
    expect(upgraded.json.user_id).toBe(anon.json.user_id);
    expect(await expectPersonalTeam(t, upgraded.json.access_token as string, `${email}'s Team`)).toBe(teamId);
  });

  it('OTP sign-up: a new user by a magic link code gets its team', async () => {
    const email = uniqueEmail('otp-team');
    const sent = await api(t, 'POST', '/auth/otp/send-sign-in-code', { body: { email, callback_url: OTP_CALLBACK } });
    expect(sent.status, sent.text).toBe(200);
    const code = linkCode((await waitForMail(t, email, { subject: 'Sign in to' })).text, OTP_CALLBACK);
    const res = await api(t, 'POST', '/auth/otp/sign-in', { body: { code } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.is_new_user).toBe(true);
    await expectPersonalTeam(t, res.json.access_token as string, `${email}'s Team`);
  });

  it('OAuth sign-up: the provider’s name names the team', async () => {
    idp.signInNextAs({ sub: randomUUID(), email: uniqueEmail('oidc-team'), email_verified: true, name: 'Olivia' });
    const res = await signInWith(t, 'acme');
    expect(res.is_new_user).toBe(true);
    await expectPersonalTeam(t, res.access_token as string, "Olivia's Team");
  });

  it('with the setting off, a new user has no team', async () => {
    await setTeamConfig(t, { create_team_on_sign_up: false });
    try {
      const bob = await signUp(t);
      const me = await api(t, 'GET', '/users/me', { headers: withToken(t, bob.accessToken) });
      expect(me.json).toMatchObject({ selected_team_id: null, selected_team: null });
      expect((await api(t, 'GET', '/teams?user_id=me', { headers: withToken(t, bob.accessToken) })).json.items).toEqual([]);
    } finally {
      await setTeamConfig(t, { create_team_on_sign_up: true });
    }
  });
});
