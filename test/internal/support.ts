/**
 * Helpers of the internal project's tests: the test server seen as its internal project (Stack's development keys,
 * which these tests' servers are started with), an operator signed up there with a personal team, and admin headers
 * as the SDK's admin app sends them (the admin access token, empty key headers).
 */
import { expect } from 'vitest';
import { INTERNAL_PROJECT_ID } from '../../src/projects/internal-id.js';
import { DEVELOPMENT_KEYS } from '../../src/internal/internal-project.js';
import { updateProject } from '../../src/projects/projects.js';
import { api, type TestServer } from '../helpers/server.js';
import { signUp, uniqueEmail, withToken, type SignedUp } from '../api/support.js';

export const DEV_KEYS_ENV = { AUTHSYNC_INTERNAL_PROJECT_DEV_KEYS: 'true' };

/** The test server as its internal project: `api(internal(t), ...)` sends client requests to `internal`. */
export function internal(t: TestServer): TestServer {
  return { ...t, projectId: 'internal', keys: DEVELOPMENT_KEYS };
}

export async function setInternalSignUp(t: TestServer, enabled: boolean): Promise<void> {
  await updateProject(t.server.ctx.db, INTERNAL_PROJECT_ID, { config: { sign_up_enabled: enabled } });
  // The server's cache would see the change when the notification arrives; the test's next request must see it.
  t.server.ctx.directory.invalidate(INTERNAL_PROJECT_ID);
}

export interface Operator extends SignedUp {
  teamId: string;
}

/** A user of the internal project (sign-up must be on) and the personal team made at sign-up. */
export async function signUpOperator(t: TestServer): Promise<Operator> {
  const user = await signUp(internal(t), uniqueEmail('operator'));
  const me = await api(internal(t), 'GET', '/users/me', { headers: withToken(internal(t), user.accessToken) });
  expect(me.status, me.text).toBe(200);
  expect(me.json.selected_team_id).toEqual(expect.any(String));
  return { ...user, teamId: me.json.selected_team_id as string };
}

/** Admin headers for `projectId` with an operator's access token, as the SDK's admin app sends them. */
export function adminTokenHeaders(projectId: string, accessToken: string): Record<string, string> {
  return {
    'x-stack-access-type': 'admin',
    'x-stack-project-id': projectId,
    'x-stack-admin-access-token': accessToken,
    'x-stack-secret-server-key': '',
    'x-stack-super-secret-admin-key': '',
    'content-type': 'application/json',
  };
}

/** Creates a project owned by the operator's personal team, through POST /internal/projects. */
export async function createOwnedProject(t: TestServer, operator: Operator, body: Record<string, unknown> = {}): Promise<string> {
  const res = await api(internal(t), 'POST', '/internal/projects', {
    headers: withToken(internal(t), operator.accessToken),
    body: { display_name: 'Owned project', owner_team_id: operator.teamId, config: {}, ...body },
  });
  expect(res.status, res.text).toBe(201);
  return res.json.id as string;
}

export const KEY_SET_BODY = {
  description: 'test api key',
  expires_at_millis: Date.now() + 3_600_000,
  has_publishable_client_key: true,
  has_secret_server_key: true,
  has_super_secret_admin_key: true,
};
