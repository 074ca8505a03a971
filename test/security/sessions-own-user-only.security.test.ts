/**
 * With client access a user sees and ends only their own sessions: listing another user's sessions is Stack's 403, and
 * revoking one of them answers 404 exactly as for a session that does not exist, and leaves it working.
 */
import { expect, it } from 'vitest';
import { api, clientHeaders, useTestServer } from '../helpers/server.js';
import { signUp, withToken } from '../api/support.js';

const t = useTestServer({ mode: 'postgres' });

it('a client can neither list nor revoke another user’s sessions', async () => {
  const victim = await signUp(t);
  const attacker = await signUp(t);
  const victimSessions = await api(t, 'GET', '/auth/sessions?user_id=me', { headers: withToken(t, victim.accessToken) });
  const victimSessionId = (victimSessions.json.items as Array<{ id: string }>)[0]!.id;

  const list = await api(t, 'GET', `/auth/sessions?user_id=${victim.userId}`, { headers: withToken(t, attacker.accessToken) });
  expect(list.status).toBe(403);
  expect(list.text).toBe('Client can only list sessions for their own user.');

  const revoke = await api(t, 'DELETE', `/auth/sessions/${victimSessionId}?user_id=me`, { headers: withToken(t, attacker.accessToken) });
  expect(revoke.status).toBe(404);
  expect(revoke.text).toBe('Session not found.');

  const stillThere = await api(t, 'POST', '/auth/sessions/current/refresh', {
    headers: clientHeaders(t, { 'x-stack-refresh-token': victim.refreshToken }),
  });
  expect(stillThere.status, stillThere.text).toBe(200);
});
