/**
 * The plain-HTTP session endpoints and the small SDK-facing stubs (spec §4.5, §4.16): POST
 * /auth/sessions/current/refresh with x-stack-refresh-token, POST /auth/sessions (server), GET
 * /teams?user_id=me, POST /analytics/events/batch.
 */
import { expect, it } from 'vitest';
import { createProject } from '../../src/projects/projects.js';
import { api, clientHeaders, describeOnEachStore, serverHeaders } from '../helpers/server.js';
import { decodePayload, expectKnownError, signUp, withToken } from './support.js';

describeOnEachStore('sessions and stubs on %s', (t) => {
  it('POST /auth/sessions/current/refresh mints an access token for the refresh token’s session', async () => {
    const alice = await signUp(t);
    const res = await api(t, 'POST', '/auth/sessions/current/refresh', {
      headers: clientHeaders(t, { 'x-stack-refresh-token': alice.refreshToken }),
    });
    expect(res.status, res.text).toBe(200);
    expect(Object.keys(res.json)).toEqual(['access_token']);
    const claims = decodePayload(res.json.access_token as string);
    expect(claims.sub).toBe(alice.userId);
    expect(claims.refresh_token_id).toBe(decodePayload(alice.accessToken).refresh_token_id);
    expect((await api(t, 'GET', '/users/me', { headers: withToken(t, res.json.access_token as string) })).json.id).toBe(alice.userId);
    // Server access works too; the body is ignored.
    expect(
      (
        await api(t, 'POST', '/auth/sessions/current/refresh', {
          headers: serverHeaders(t, { 'x-stack-refresh-token': alice.refreshToken }),
          body: {},
        })
      ).status,
    ).toBe(200);

    expectKnownError(
      await api(t, 'POST', '/auth/sessions/current/refresh', { headers: clientHeaders(t) }),
      'REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED',
      401,
    );
    expectKnownError(
      await api(t, 'POST', '/auth/sessions/current/refresh', { headers: clientHeaders(t, { 'x-stack-refresh-token': 'x'.repeat(45) }) }),
      'REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED',
      401,
    );
    // The refresh token of another project's user does not work here.
    const other = await createProject(t.server.ctx.db, t.server.ctx.box, { displayName: 'Other' });
    const bob = await api(t, 'POST', '/auth/password/sign-up', {
      headers: {
        'x-stack-access-type': 'client',
        'x-stack-project-id': other.project.id,
        'x-stack-publishable-client-key': other.keys.publishableClientKey,
        'content-type': 'application/json',
      },
      body: { email: 'bob@example.com', password: 'correct horse battery' },
    });
    expect(bob.status).toBe(200);
    expectKnownError(
      await api(t, 'POST', '/auth/sessions/current/refresh', {
        headers: clientHeaders(t, { 'x-stack-refresh-token': bob.json.refresh_token as string }),
      }),
      'REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED',
      401,
    );
  });

  it('POST /auth/sessions (server) opens a session for a user', async () => {
    const alice = await signUp(t);
    const res = await api(t, 'POST', '/auth/sessions', {
      headers: serverHeaders(t),
      body: { user_id: alice.userId, expires_in_millis: 3_600_000, is_impersonation: true },
    });
    expect(res.status, res.text).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual(['access_token', 'refresh_token']);
    const claims = decodePayload(res.json.access_token as string);
    expect(claims.sub).toBe(alice.userId);
    const { rows } = await t.server.ctx.db.query<{ is_impersonation: boolean; seconds: number }>(
      'SELECT is_impersonation, extract(epoch FROM expires_at - created_at)::int AS seconds FROM authsync.refresh_tokens WHERE id = $1',
      [claims.refresh_token_id],
    );
    expect(rows[0]!.is_impersonation).toBe(true);
    expect(Number(rows[0]!.seconds)).toBeGreaterThanOrEqual(3599);
    expect(Number(rows[0]!.seconds)).toBeLessThanOrEqual(3601);
    const refreshed = await api(t, 'POST', '/auth/sessions/current/refresh', {
      headers: clientHeaders(t, { 'x-stack-refresh-token': res.json.refresh_token as string }),
    });
    expect(refreshed.status).toBe(200);

    expectKnownError(
      await api(t, 'POST', '/auth/sessions', { headers: withToken(t, alice.accessToken), body: { user_id: alice.userId } }),
      'INSUFFICIENT_ACCESS_TYPE',
      401,
    );
    expectKnownError(
      await api(t, 'POST', '/auth/sessions', { headers: serverHeaders(t), body: { user_id: '3b241101-e2bb-4255-8caf-4136c566a962' } }),
      'USER_NOT_FOUND',
      404,
    );
    expectKnownError(
      await api(t, 'POST', '/auth/sessions', { headers: serverHeaders(t), body: { user_id: alice.userId, expires_in_millis: -5 } }),
      'SCHEMA_ERROR',
      400,
    );
    expectKnownError(await api(t, 'POST', '/auth/sessions', { headers: serverHeaders(t), body: {} }), 'SCHEMA_ERROR', 400);
  });

  it('GET /teams?user_id=me is an empty list for a user in no team', async () => {
    const alice = await signUp(t);
    const res = await api(t, 'GET', '/teams?user_id=me', { headers: withToken(t, alice.accessToken) });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ items: [], is_paginated: false });
    expect(
      (await api(t, 'GET', '/teams?user_id=me', { headers: serverHeaders(t, { 'x-stack-access-token': alice.accessToken }) })).json.items,
    ).toEqual([]);
    expect((await api(t, 'GET', `/teams?user_id=${alice.userId}`, { headers: serverHeaders(t) })).json.items).toEqual([]);
    expectKnownError(await api(t, 'GET', '/teams?user_id=me', { headers: clientHeaders(t) }), 'CANNOT_GET_OWN_USER_WITHOUT_USER', 400);
    const allTeams = await api(t, 'GET', '/teams', { headers: withToken(t, alice.accessToken) });
    expect(allTeams.status).toBe(403);
    expect(allTeams.headers.get('x-stack-known-error')).toBeNull();
    expectKnownError(await api(t, 'GET', '/teams?user_id=nope', { headers: serverHeaders(t) }), 'SCHEMA_ERROR', 400);
  });

  it('POST /analytics/events/batch counts the events', async () => {
    const alice = await signUp(t);
    const batch = {
      session_replay_segment_id: 'seg-1',
      batch_id: 'b-1',
      sent_at_ms: Date.now(),
      events: [
        { event_type: '$page-view', event_at_ms: Date.now(), data: { path: '/' } },
        { event_type: '$click', event_at_ms: Date.now(), data: {} },
        { event_type: '$page-view', event_at_ms: Date.now(), data: { path: '/a' } },
      ],
    };
    const res = await api(t, 'POST', '/analytics/events/batch', { headers: withToken(t, alice.accessToken), body: batch });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({ inserted: 3 });
    expect(
      (await api(t, 'POST', '/analytics/events/batch', { headers: withToken(t, alice.accessToken), body: { ...batch, events: [] } })).json,
    ).toEqual({ inserted: 0 });
    expectKnownError(
      await api(t, 'POST', '/analytics/events/batch', { headers: withToken(t, alice.accessToken), body: { events: 'many' } }),
      'SCHEMA_ERROR',
      400,
    );
  });
});
