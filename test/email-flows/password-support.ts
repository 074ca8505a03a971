/** Helpers of the password and e-mail code tests (password-*.test.ts, otp-*.test.ts). */
import { expect } from 'vitest';
import { updateProject } from '../../src/projects/projects.js';
import type { ProjectConfig } from '../../src/projects/project-config.js';
import { api, clientHeaders, serverHeaders, type TestServer } from '../helpers/server.js';
import { uniqueEmail } from '../api/support.js';

/** Changes the test project's settings for the duration of `run`, then puts them back. */
export async function withProjectConfig(t: TestServer, patch: Partial<ProjectConfig>, run: () => Promise<void>): Promise<void> {
  const before = (await t.server.ctx.directory.getProject(t.projectId))!.project.config;
  await updateProject(t.server.ctx.db, t.projectId, { config: patch });
  t.server.ctx.directory.invalidate(t.projectId);
  try {
    await run();
  } finally {
    await updateProject(t.server.ctx.db, t.projectId, { config: before });
    t.server.ctx.directory.invalidate(t.projectId);
  }
}

/** Client headers of a signed-in user, with its refresh token under `refreshHeader` when it has one. */
export function asUser(t: TestServer, user: { accessToken: string; refreshToken?: string }, refreshHeader = 'x-stack-refresh-token') {
  return clientHeaders(t, {
    'x-stack-access-token': user.accessToken,
    ...(user.refreshToken ? { [refreshHeader]: user.refreshToken } : {}),
  });
}

/** POST /auth/sessions/current/refresh: 200 while the session lives. */
export function refresh(t: TestServer, refreshToken: string) {
  return api(t, 'POST', '/auth/sessions/current/refresh', { headers: clientHeaders(t, { 'x-stack-refresh-token': refreshToken }) });
}

/** A user made by the server API (no password unless given), with a session. */
export async function serverMadeUser(
  t: TestServer,
  fields: { primary_email_verified?: boolean; password?: string; primary_email_auth_enabled?: boolean } = {},
) {
  const email = uniqueEmail('made');
  const created = await api(t, 'POST', '/users', {
    headers: serverHeaders(t),
    body: { primary_email: email, primary_email_auth_enabled: true, primary_email_verified: true, ...fields },
  });
  expect(created.status, created.text).toBe(201);
  const session = await api(t, 'POST', '/auth/sessions', { headers: serverHeaders(t), body: { user_id: created.json.id } });
  expect(session.status, session.text).toBe(200);
  return {
    email,
    userId: created.json.id as string,
    accessToken: session.json.access_token as string,
    refreshToken: session.json.refresh_token as string,
  };
}
