/**
 * The teams API over HTTP on both stores (spec §3.2–3.5): create (client and server), list, read, update, delete;
 * memberships, member profiles, permissions with their defaults, the selected team on the user, in the access token
 * and in users_sync; Stack's errors.
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { api, clientHeaders, describeOnEachStore, serverHeaders } from '../helpers/server.js';
import { decodePayload, expectKnownError, signUp, withToken } from '../api/support.js';
import { ADMIN_PERMISSIONS, MEMBER_PERMISSIONS, addMember, permissionsOf, serverTeam, setTeamConfig } from './support.js';

describeOnEachStore('teams over HTTP on %s', (t) => {
  it('a client creates a team (when allowed): 201 in the client shape, the creator a team_admin member; then selects it', async () => {
    const alice = await signUp(t);
    await setTeamConfig(t, { client_team_creation_enabled: false });
    const refused = await api(t, 'POST', '/teams', {
      headers: withToken(t, alice.accessToken),
      body: { display_name: 'Nope', creator_user_id: 'me' },
    });
    expect(refused.status).toBe(403);
    expect(refused.text).toBe('Client team creation is disabled for this project');

    await setTeamConfig(t, { client_team_creation_enabled: true });
    const res = await api(t, 'POST', '/teams', {
      headers: withToken(t, alice.accessToken),
      body: { display_name: "Alice's Org", creator_user_id: 'me', client_metadata: { plan: 'free' } },
    });
    expect(res.status, res.text).toBe(201);
    const team = res.json;
    expect(team).toEqual({
      id: expect.any(String),
      display_name: "Alice's Org",
      profile_image_url: null,
      client_metadata: { plan: 'free' },
      client_read_only_metadata: null,
    });
    expect(await permissionsOf(t, team.id as string, alice.userId)).toEqual(ADMIN_PERMISSIONS);
    expect(await permissionsOf(t, team.id as string, alice.userId, false)).toEqual(['team_admin']);

    const selected = await api(t, 'PATCH', '/users/me', { headers: withToken(t, alice.accessToken), body: { selected_team_id: team.id } });
    expect(selected.status, selected.text).toBe(200);
    expect(selected.json.selected_team_id).toBe(team.id);
    expect(selected.json.selected_team).toEqual(team);

    // A refreshed token carries the claim; the server shape carries created_at_millis and server_metadata.
    const refreshed = await api(t, 'POST', '/auth/sessions/current/refresh', {
      headers: clientHeaders(t, { 'x-stack-refresh-token': alice.refreshToken }),
    });
    expect(decodePayload(refreshed.json.access_token as string).selected_team_id).toBe(team.id);
    const server = await api(t, 'GET', `/users/${alice.userId}`, { headers: serverHeaders(t) });
    expect(server.json.selected_team).toMatchObject({ id: team.id, server_metadata: null, created_at_millis: expect.any(Number) });
  });

  it('client creation: no user → USER_AUTHENTICATION_REQUIRED; another creator → text 403; a non-data-URL image → SCHEMA_ERROR', async () => {
    await setTeamConfig(t, { client_team_creation_enabled: true });
    const alice = await signUp(t);
    const bob = await signUp(t);
    expectKnownError(
      await api(t, 'POST', '/teams', { headers: clientHeaders(t), body: { display_name: 'X', creator_user_id: 'me' } }),
      'USER_AUTHENTICATION_REQUIRED',
      401,
    );
    const other = await api(t, 'POST', '/teams', {
      headers: withToken(t, alice.accessToken),
      body: { display_name: 'X', creator_user_id: bob.userId },
    });
    expect(other.status).toBe(403);
    expect(other.headers.get('x-stack-known-error')).toBeNull();
    // A client's image must be base64 data (Stack's plain-text 400).
    const linked = await api(t, 'POST', '/teams', {
      headers: withToken(t, alice.accessToken),
      body: { display_name: 'X', creator_user_id: 'me', profile_image_url: 'https://example.com/a.png' },
    });
    expect([linked.status, linked.text]).toEqual([400, 'Invalid profile image URL']);
    expectKnownError(
      await api(t, 'POST', '/teams', { headers: withToken(t, alice.accessToken), body: { display_name: 'X', server_metadata: {} } }),
      'SCHEMA_ERROR',
      400,
    );
  });

  it('lists: a user’s teams oldest first (client: only its own, text 403 otherwise); the server lists all or a user’s', async () => {
    const alice = await signUp(t);
    const bob = await signUp(t);
    const first = await serverTeam(t, 'First', alice.userId);
    const second = await serverTeam(t, 'Second', alice.userId);
    const bobs = await serverTeam(t, 'Bob’s', bob.userId);

    const mine = await api(t, 'GET', '/teams?user_id=me', { headers: withToken(t, alice.accessToken) });
    expect(mine.json).toEqual({
      items: [expect.objectContaining({ id: first.id }), expect.objectContaining({ id: second.id })],
      is_paginated: false,
    });
    expect(mine.json.items as object[]).not.toContainEqual(expect.objectContaining({ server_metadata: null }));
    expect((await api(t, 'GET', `/teams?user_id=${alice.userId}`, { headers: withToken(t, alice.accessToken) })).json.items).toHaveLength(
      2,
    );
    const theirs = await api(t, 'GET', `/teams?user_id=${bob.userId}`, { headers: withToken(t, alice.accessToken) });
    expect(theirs.status).toBe(403);

    const all = await api(t, 'GET', '/teams?order_by=created_at&limit=5', { headers: serverHeaders(t) });
    const ids = (all.json.items as Array<{ id: string }>).map((team) => team.id);
    expect(ids.indexOf(first.id as string)).toBeLessThan(ids.indexOf(second.id as string));
    expect(ids).toContain(bobs.id);
    expect((await api(t, 'GET', `/teams?user_id=${bob.userId}`, { headers: serverHeaders(t) })).json.items).toEqual([bobs]);
  });

  it('read: members only for a client (TEAM_MEMBERSHIP_NOT_FOUND), TEAM_NOT_FOUND for an unknown id, SCHEMA_ERROR for a non-UUID', async () => {
    const alice = await signUp(t);
    const bob = await signUp(t);
    const team = await serverTeam(t, 'Read', alice.userId);
    expect((await api(t, 'GET', `/teams/${team.id}`, { headers: withToken(t, alice.accessToken) })).json.display_name).toBe('Read');
    expectKnownError(
      await api(t, 'GET', `/teams/${team.id}`, { headers: withToken(t, bob.accessToken) }),
      'TEAM_MEMBERSHIP_NOT_FOUND',
      404,
      {
        team_id: team.id,
        user_id: bob.userId,
      },
    );
    const unknown = randomUUID();
    expectKnownError(await api(t, 'GET', `/teams/${unknown}`, { headers: serverHeaders(t) }), 'TEAM_NOT_FOUND', 404, { team_id: unknown });
    expectKnownError(await api(t, 'GET', '/teams/not-a-uuid', { headers: serverHeaders(t) }), 'SCHEMA_ERROR', 400);
    expect((await api(t, 'GET', `/teams/${team.id}`, { headers: serverHeaders(t) })).json).toEqual(team);
  });

  it('update and delete: a client needs $update_team / $delete_team (TEAM_PERMISSION_REQUIRED, 401); the server may always', async () => {
    const alice = await signUp(t);
    const bob = await signUp(t);
    const team = await serverTeam(t, 'Old', alice.userId);
    await addMember(t, team.id as string, bob.userId);
    expect(await permissionsOf(t, team.id as string, bob.userId)).toEqual(MEMBER_PERMISSIONS);

    expectKnownError(
      await api(t, 'PATCH', `/teams/${team.id}`, { headers: withToken(t, bob.accessToken), body: { display_name: 'Bob was here' } }),
      'TEAM_PERMISSION_REQUIRED',
      401,
      { team_id: team.id, user_id: bob.userId, permission_id: '$update_team' },
    );
    const updated = await api(t, 'PATCH', `/teams/${team.id}`, { headers: withToken(t, alice.accessToken), body: { display_name: 'New' } });
    expect(updated.json.display_name).toBe('New');
    expectKnownError(
      await api(t, 'PATCH', `/teams/${team.id}`, { headers: withToken(t, alice.accessToken), body: { server_metadata: { x: 1 } } }),
      'SCHEMA_ERROR',
      400,
    );
    const server = await api(t, 'PATCH', `/teams/${team.id}`, {
      headers: serverHeaders(t),
      body: { server_metadata: { tier: 'gold' }, client_read_only_metadata: { seats: 3 } },
    });
    expect(server.json).toMatchObject({ display_name: 'New', server_metadata: { tier: 'gold' }, client_read_only_metadata: { seats: 3 } });

    expectKnownError(
      await api(t, 'DELETE', `/teams/${team.id}`, { headers: withToken(t, bob.accessToken), body: {} }),
      'TEAM_PERMISSION_REQUIRED',
      401,
      {
        team_id: team.id,
        user_id: bob.userId,
        permission_id: '$delete_team',
      },
    );
    // Bob selected the team: deleting it clears his selection (the user store: users_sync follows).
    expect(
      (await api(t, 'PATCH', '/users/me', { headers: withToken(t, bob.accessToken), body: { selected_team_id: team.id } })).status,
    ).toBe(200);
    expect(await api(t, 'DELETE', `/teams/${team.id}`, { headers: withToken(t, alice.accessToken), body: {} })).toMatchObject({
      status: 200,
    });
    const bobNow = await api(t, 'GET', `/users/${bob.userId}`, { headers: serverHeaders(t) });
    expect(bobNow.json).toMatchObject({ selected_team_id: null, selected_team: null });
    const { rows } = await t.server.ctx.db.query<{ raw_json: unknown }>('SELECT raw_json FROM neon_auth.users_sync WHERE id = $1', [
      bob.userId,
    ]);
    const raw = rows[0]!.raw_json;
    expect((typeof raw === 'string' ? JSON.parse(raw) : raw) as object).toMatchObject({ selected_team_id: null, selected_team: null });
    expectKnownError(await api(t, 'GET', `/teams/${team.id}`, { headers: serverHeaders(t) }), 'TEAM_NOT_FOUND', 404);
    expect(await permissionsOf(t, team.id as string, bob.userId, false)).toEqual([]);
  });

  it('memberships: server adds (201, team_member), 409 twice, USER_NOT_FOUND / TEAM_NOT_FOUND; client POST refused by access type', async () => {
    const alice = await signUp(t);
    const bob = await signUp(t);
    const team = await serverTeam(t, 'Members', alice.userId);
    const added = await api(t, 'POST', `/team-memberships/${team.id}/${bob.userId}`, { headers: serverHeaders(t), body: {} });
    expect(added.status).toBe(201);
    expect(added.json).toEqual({ team_id: team.id, user_id: bob.userId });
    expectKnownError(
      await api(t, 'POST', `/team-memberships/${team.id}/${bob.userId}`, { headers: serverHeaders(t), body: {} }),
      'TEAM_MEMBERSHIP_ALREADY_EXISTS',
      409,
      'none',
    );
    expectKnownError(
      await api(t, 'POST', `/team-memberships/${team.id}/${randomUUID()}`, { headers: serverHeaders(t), body: {} }),
      'USER_NOT_FOUND',
      404,
    );
    expectKnownError(
      await api(t, 'POST', `/team-memberships/${randomUUID()}/${bob.userId}`, { headers: serverHeaders(t), body: {} }),
      'TEAM_NOT_FOUND',
      404,
    );
    expectKnownError(
      await api(t, 'POST', `/team-memberships/${team.id}/me`, { headers: withToken(t, bob.accessToken), body: {} }),
      'INSUFFICIENT_ACCESS_TYPE',
      401,
    );
    const users = await api(t, 'GET', `/users?team_id=${team.id}`, { headers: serverHeaders(t) });
    expect((users.json.items as Array<{ id: string }>).map((u) => u.id).sort()).toEqual([alice.userId, bob.userId].sort());
  });

  it('leaving and removing: self always (the selection cleared), others need $remove_members; TEAM_MEMBERSHIP_NOT_FOUND after', async () => {
    const alice = await signUp(t);
    const bob = await signUp(t);
    const carol = await signUp(t);
    const team = await serverTeam(t, 'Leave', alice.userId);
    await addMember(t, team.id as string, bob.userId);
    await addMember(t, team.id as string, carol.userId);
    expectKnownError(
      await api(t, 'DELETE', `/team-memberships/${team.id}/${carol.userId}`, { headers: withToken(t, bob.accessToken), body: {} }),
      'TEAM_PERMISSION_REQUIRED',
      401,
      { team_id: team.id, user_id: bob.userId, permission_id: '$remove_members' },
    );
    await api(t, 'PATCH', '/users/me', { headers: withToken(t, bob.accessToken), body: { selected_team_id: team.id } });
    expect((await api(t, 'DELETE', `/team-memberships/${team.id}/me`, { headers: withToken(t, bob.accessToken), body: {} })).json).toEqual({
      success: true,
    });
    expect((await api(t, 'GET', '/users/me', { headers: withToken(t, bob.accessToken) })).json.selected_team_id).toBeNull();
    expectKnownError(
      await api(t, 'DELETE', `/team-memberships/${team.id}/me`, { headers: withToken(t, bob.accessToken), body: {} }),
      'TEAM_MEMBERSHIP_NOT_FOUND',
      404,
    );
    expect(
      (await api(t, 'DELETE', `/team-memberships/${team.id}/${carol.userId}`, { headers: withToken(t, alice.accessToken), body: {} }))
        .status,
    ).toBe(200);
    expect(await permissionsOf(t, team.id as string, carol.userId, false)).toEqual([]);
    expect((await api(t, 'GET', `/teams?user_id=${carol.userId}`, { headers: serverHeaders(t) })).json.items).toEqual([]);
  });

  it('selected_team_id: only a team the user is in (TEAM_MEMBERSHIP_NOT_FOUND), null clears it', async () => {
    const alice = await signUp(t);
    const team = await serverTeam(t, 'Not hers');
    expectKnownError(
      await api(t, 'PATCH', '/users/me', { headers: withToken(t, alice.accessToken), body: { selected_team_id: team.id } }),
      'TEAM_MEMBERSHIP_NOT_FOUND',
      404,
      { team_id: team.id, user_id: alice.userId },
    );
    expectKnownError(
      await api(t, 'PATCH', `/users/${alice.userId}`, { headers: serverHeaders(t), body: { selected_team_id: randomUUID() } }),
      'TEAM_MEMBERSHIP_NOT_FOUND',
      404,
    );
    await addMember(t, team.id as string, alice.userId);
    const set = await api(t, 'PATCH', `/users/${alice.userId}`, { headers: serverHeaders(t), body: { selected_team_id: team.id } });
    expect(set.json.selected_team).toMatchObject({ id: team.id, display_name: 'Not hers' });
    const cleared = await api(t, 'PATCH', '/users/me', { headers: withToken(t, alice.accessToken), body: { selected_team_id: null } });
    expect(cleared.json).toMatchObject({ selected_team_id: null, selected_team: null });
  });

  it('member profiles: the user’s name as fallback, own profile editable; listing needs $read_members; server reads carry the user', async () => {
    const alice = await signUp(t);
    const bob = await signUp(t);
    await api(t, 'PATCH', '/users/me', { headers: withToken(t, bob.accessToken), body: { display_name: 'Bob' } });
    const team = await serverTeam(t, 'Profiles', alice.userId);
    await addMember(t, team.id as string, bob.userId);

    const list = await api(t, 'GET', `/team-member-profiles?team_id=${team.id}`, { headers: withToken(t, bob.accessToken) });
    expect(list.status, list.text).toBe(200);
    expect(list.json.items).toEqual([
      { team_id: team.id, user_id: alice.userId, display_name: null, profile_image_url: null },
      { team_id: team.id, user_id: bob.userId, display_name: 'Bob', profile_image_url: null },
    ]);
    const own = await api(t, 'PATCH', `/team-member-profiles/${team.id}/me`, {
      headers: withToken(t, bob.accessToken),
      body: { display_name: 'Bob (Profiles)' },
    });
    expect(own.json).toEqual({ team_id: team.id, user_id: bob.userId, display_name: 'Bob (Profiles)', profile_image_url: null });
    const other = await api(t, 'PATCH', `/team-member-profiles/${team.id}/${alice.userId}`, {
      headers: withToken(t, bob.accessToken),
      body: { display_name: 'x' },
    });
    expect([other.status, other.text]).toEqual([403, "Cannot update another user's profile"]);
    const noTeam = await api(t, 'GET', '/team-member-profiles?user_id=me', { headers: withToken(t, bob.accessToken) });
    expect([noTeam.status, noTeam.text]).toEqual([400, 'team_id is required for access type client']);

    const server = await api(t, 'GET', `/team-member-profiles?team_id=${team.id}&user_id=${bob.userId}`, { headers: serverHeaders(t) });
    expect(server.json.items).toEqual([
      expect.objectContaining({ display_name: 'Bob (Profiles)', user: expect.objectContaining({ id: bob.userId, display_name: 'Bob' }) }),
    ]);

    await api(t, 'DELETE', `/team-permissions/${team.id}/${bob.userId}/team_member`, { headers: serverHeaders(t), body: {} });
    expectKnownError(
      await api(t, 'GET', `/team-member-profiles?team_id=${team.id}`, { headers: withToken(t, bob.accessToken) }),
      'TEAM_PERMISSION_REQUIRED',
      401,
      { team_id: team.id, user_id: bob.userId, permission_id: '$read_members' },
    );
  });

  it('permissions: grant (201) and revoke with server access; unknown → PERMISSION_NOT_FOUND; not held → TEAM_PERMISSION_NOT_FOUND; client lists only its own', async () => {
    const alice = await signUp(t);
    const bob = await signUp(t);
    const team = await serverTeam(t, 'Perms', alice.userId);
    await addMember(t, team.id as string, bob.userId);
    const granted = await api(t, 'POST', `/team-permissions/${team.id}/${bob.userId}/team_admin`, { headers: serverHeaders(t), body: {} });
    expect(granted.status).toBe(201);
    expect(granted.json).toEqual({ id: 'team_admin', user_id: bob.userId, team_id: team.id });
    expect(await permissionsOf(t, team.id as string, bob.userId, false)).toEqual(['team_admin', 'team_member']);

    const mine = await api(t, 'GET', `/team-permissions?team_id=${team.id}&user_id=me&recursive=true&permission_id=$update_team`, {
      headers: withToken(t, bob.accessToken),
    });
    expect(mine.json).toEqual({ items: [{ id: '$update_team', user_id: bob.userId, team_id: team.id }], is_paginated: false });
    const others = await api(t, 'GET', `/team-permissions?team_id=${team.id}&user_id=${alice.userId}`, {
      headers: withToken(t, bob.accessToken),
    });
    expect(others.status).toBe(403);
    expectKnownError(
      await api(t, 'POST', `/team-permissions/${team.id}/${bob.userId}/team_admin`, { headers: withToken(t, bob.accessToken), body: {} }),
      'INSUFFICIENT_ACCESS_TYPE',
      401,
    );

    expect(
      (await api(t, 'DELETE', `/team-permissions/${team.id}/${bob.userId}/team_admin`, { headers: serverHeaders(t), body: {} })).json,
    ).toEqual({
      success: true,
    });
    expectKnownError(
      await api(t, 'DELETE', `/team-permissions/${team.id}/${bob.userId}/$update_team`, { headers: serverHeaders(t), body: {} }),
      'TEAM_PERMISSION_NOT_FOUND',
      401,
      { team_id: team.id, user_id: bob.userId, permission_id: '$update_team' },
    );
    expectKnownError(
      await api(t, 'POST', `/team-permissions/${team.id}/${bob.userId}/owner`, { headers: serverHeaders(t), body: {} }),
      'PERMISSION_NOT_FOUND',
      404,
      { permission_id: 'owner' },
    );
    const carol = await signUp(t);
    expectKnownError(
      await api(t, 'POST', `/team-permissions/${team.id}/${carol.userId}/team_member`, { headers: serverHeaders(t), body: {} }),
      'TEAM_MEMBERSHIP_NOT_FOUND',
      404,
    );
  });

  it('deleting a user removes its memberships and grants', async () => {
    const alice = await signUp(t);
    const bob = await signUp(t);
    const team = await serverTeam(t, 'Gone', alice.userId);
    await addMember(t, team.id as string, bob.userId);
    await api(t, 'PATCH', `/users/${bob.userId}`, { headers: serverHeaders(t), body: { selected_team_id: team.id } });
    expect((await api(t, 'DELETE', `/users/${bob.userId}`, { headers: serverHeaders(t), body: {} })).status).toBe(200);
    const { rows } = await t.server.ctx.db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM authsync.team_members WHERE user_id = $1)::int + (SELECT count(*) FROM authsync.team_member_permissions WHERE user_id = $1)::int AS n`,
      [bob.userId],
    );
    expect(rows[0]!.n).toBe(0);
    expect((await api(t, 'GET', `/team-member-profiles?team_id=${team.id}`, { headers: serverHeaders(t) })).json.items).toHaveLength(1);
  });

  it('bad input is SCHEMA_ERROR, never a 500: long names, non-UUID ids, metadata over the cap, unknown fields', async () => {
    const alice = await signUp(t);
    const team = await serverTeam(t, 'Input', alice.userId);
    const server = serverHeaders(t);
    // As on Stack, the empty name is a name.
    const renamed = await api(t, 'PATCH', `/teams/${team.id}`, { headers: server, body: { display_name: '' } });
    expect([renamed.status, renamed.json.display_name]).toEqual([200, '']);
    await api(t, 'PATCH', `/teams/${team.id}`, { headers: server, body: { display_name: 'Input' } });
    // A bad team ID and an unknown query parameter are named together, as Stack's validator names them.
    expectKnownError(
      await api(t, 'PATCH', `/teams/me?team_id=${team.id as string}`, {
        headers: withToken(t, alice.accessToken),
        body: { display_name: 'x' },
      }),
      'SCHEMA_ERROR',
      400,
      {
        message:
          'Request validation failed on PATCH /api/v1/teams/me:\n  - params.team_id must be a valid UUID\n  - query contains unknown properties: team_id',
      },
    );
    const bodies = [{ display_name: 'x'.repeat(257) }, { display_name: 7 }, {}];
    for (const body of bodies) expectKnownError(await api(t, 'POST', '/teams', { headers: server, body }), 'SCHEMA_ERROR', 400);
    expectKnownError(
      await api(t, 'PATCH', `/teams/${team.id}`, { headers: server, body: { server_metadata: { blob: 'x'.repeat(70_000) } } }),
      'SCHEMA_ERROR',
      400,
    );
    expectKnownError(
      await api(t, 'PATCH', `/teams/${team.id}`, { headers: withToken(t, alice.accessToken), body: { nickname: 'x' } }),
      'SCHEMA_ERROR',
      400,
    );
    const requests: Array<[string, string]> = [
      ['POST', '/team-memberships/nope/me'],
      ['POST', `/team-permissions/${team.id}/nope/team_admin`],
      ['GET', '/team-member-profiles?team_id=nope'],
      ['GET', '/teams/nope'],
    ];
    for (const [method, route] of requests) {
      const res = await api(t, method, route, { headers: server, ...(method === 'POST' ? { body: {} } : {}) });
      expect(res.json?.code, `${route}: ${res.status} ${res.text}`).toBe('SCHEMA_ERROR');
      expect(res.status).toBe(400);
    }
    expectKnownError(
      await api(t, 'PATCH', '/users/me', { headers: withToken(t, alice.accessToken), body: { selected_team_id: 'not-a-uuid' } }),
      'SCHEMA_ERROR',
      400,
    );
    expect((await api(t, 'GET', `/teams/${team.id}`, { headers: server })).json).toEqual(team);
  });
});
