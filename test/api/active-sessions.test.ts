/**
 * A user's active sessions (GET /auth/sessions?user_id=, DELETE /auth/sessions/{id}) as the SDK uses them:
 * `user.getActiveSessions()` lists the user's sessions with the current one marked, `user.revokeSession(id)` ends another
 * one (its refresh token stops working), and the current session cannot be revoked that way. Over HTTP: impersonation
 * sessions are listed for admins only; a server must name the user.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { api, clientHeaders, serverHeaders, useTestServer, type TestServer } from '../helpers/server.js';
import { STACK_JS_VERSIONS, stackJsApps } from '../helpers/stack-js.js';
import { expectKnownError, signUp } from './support.js';

const PASSWORD = 'correct horse battery';
const CALLBACK = 'http://localhost:3000/handler/email-verification';

const adminHeaders = (t: TestServer) => ({
  'x-stack-access-type': 'admin',
  'x-stack-project-id': t.projectId,
  'x-stack-super-secret-admin-key': t.keys.superSecretAdminKey,
});

describe('active sessions', () => {
  const t = useTestServer({ mode: 'postgres' });

  describe.each(STACK_JS_VERSIONS)('@stackframe/js %s', (_version, sdk) => {
    const { clientApp } = stackJsApps(t, sdk);

    it('getActiveSessions lists the current session and another; revokeSession ends the other; the current one stays', async () => {
      const email = `sessions-${randomUUID().slice(0, 8)}@example.com`;
      const laptop = clientApp();
      expect(
        (await laptop.signUpWithCredential({ email, password: PASSWORD, noRedirect: true, verificationCallbackUrl: CALLBACK })).status,
      ).toBe('ok');
      const phone = await api(t, 'POST', '/auth/password/sign-in', { body: { email, password: PASSWORD } });

      const user = await laptop.getUser({ or: 'throw' });
      const sessions = await user.getActiveSessions();
      expect(sessions).toHaveLength(2);
      const current = sessions.filter((s) => s.isCurrentSession);
      expect(current).toHaveLength(1);
      const other = sessions.find((s) => !s.isCurrentSession)!;

      await user.revokeSession(other.id);
      const refreshed = await api(t, 'POST', '/auth/sessions/current/refresh', {
        headers: clientHeaders(t, { 'x-stack-refresh-token': String(phone.json.refresh_token) }),
      });
      expectKnownError(refreshed, 'REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED', 401);
      const left = await user.getActiveSessions();
      expect(left.map((s) => s.id)).toEqual([current[0]!.id]);

      await expect(user.revokeSession(current[0]!.id)).rejects.toThrow(/Cannot delete the current session/);
      expect(await laptop.getUser()).not.toBeNull();
    });
  });

  it('over HTTP: impersonation sessions only for admins, a server must name the user, bad IDs are Stack’s errors', async () => {
    const alice = await signUp(t);
    const created = await api(t, 'POST', '/auth/sessions', {
      headers: serverHeaders(t),
      body: { user_id: alice.userId, is_impersonation: true },
    });
    expect(created.status, created.text).toBe(200);

    const asServer = await api(t, 'GET', `/auth/sessions?user_id=${alice.userId}`, { headers: serverHeaders(t) });
    expect((asServer.json.items as unknown[]).length).toBe(1);
    expect(asServer.json.items).toEqual([
      expect.objectContaining({ user_id: alice.userId, is_impersonation: false, is_current_session: false }),
    ]);
    const asAdmin = await api(t, 'GET', `/auth/sessions?user_id=${alice.userId}`, { headers: adminHeaders(t) });
    expect((asAdmin.json.items as Array<{ is_impersonation: boolean }>).map((s) => s.is_impersonation).sort()).toEqual([false, true]);

    const noUser = await api(t, 'GET', '/auth/sessions', { headers: serverHeaders(t) });
    expect(noUser.json.error).toBe('Request validation failed on GET /api/v1/auth/sessions:\n  - query.user_id must be defined');

    const unknown = await api(t, 'DELETE', `/auth/sessions/${randomUUID()}?user_id=${alice.userId}`, { headers: serverHeaders(t) });
    expect(unknown.status).toBe(404);
    expect(unknown.text).toBe('Session not found.');
    const notUuid = await api(t, 'DELETE', '/auth/sessions/nope', { headers: serverHeaders(t) });
    expectKnownError(notUuid, 'SCHEMA_ERROR', 400);
  });
});
