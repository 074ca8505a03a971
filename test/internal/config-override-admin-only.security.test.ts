/**
 * The layered config API is admin-only and per project, on PostgreSQL: client and server keys are refused on every
 * endpoint (and change nothing); another project's admin key, and an operator's token for a project their team does not
 * own, neither read nor write this project's config; one project's overrides never show in another's.
 */
import { describe, expect, it } from 'vitest';
import { createProject } from '../../src/projects/projects.js';
import { api, clientHeaders, serverHeaders, useTestServer, type TestServer } from '../helpers/server.js';
import { expectKnownError } from '../api/support.js';
import { adminTokenHeaders, createOwnedProject, DEV_KEYS_ENV, setInternalSignUp, signUpOperator } from './support.js';

const t = useTestServer({ env: DEV_KEYS_ENV });

const adminKeyHeaders = (projectId: string, key: string) => ({
  'x-stack-access-type': 'admin',
  'x-stack-project-id': projectId,
  'x-stack-super-secret-admin-key': key,
  'content-type': 'application/json',
});

const PATCH_BODY = { config_override_string: JSON.stringify({ 'users.allowClientUserDeletion': true }) };

/** Every endpoint of the config API, with a body that would change something. */
const REQUESTS: Array<[string, string, unknown?]> = [
  ['GET', '/internal/config'],
  ['GET', '/internal/config/override/environment'],
  ['PATCH', '/internal/config/override/environment', PATCH_BODY],
  ['PATCH', '/internal/config/override/branch', PATCH_BODY],
  ['PUT', '/internal/config/override/environment', { config_string: JSON.stringify({ 'users.allowClientUserDeletion': true }) }],
  ['POST', '/internal/config/override/environment/reset-keys', { keys: ['users'] }],
  ['GET', '/internal/config/source'],
  ['DELETE', '/internal/config/source'],
];

async function storedOverrides(projectId: string): Promise<number> {
  const { rows } = await t.server.ctx.db.query<{ n: string }>(
    'SELECT count(*) AS n FROM authsync.project_config_overrides WHERE project_id = $1',
    [projectId],
  );
  return Number(rows[0]!.n);
}

async function renderedConfig(target: TestServer, headers: Record<string, string>): Promise<Record<string, Record<string, unknown>>> {
  const res = await api(target, 'GET', '/internal/config', { headers });
  expect(res.status, res.text).toBe(200);
  return JSON.parse(res.json.config_string as string) as Record<string, Record<string, unknown>>;
}

describe('config overrides are admin-only and per project', () => {
  it('client and server access are refused on every config endpoint, and change nothing', async () => {
    for (const [method, route, body] of REQUESTS) {
      for (const [type, headers] of [
        ['client', clientHeaders(t)],
        ['server', serverHeaders(t)],
      ] as const) {
        const res = await api(t, method, route, { headers, ...(body !== undefined ? { body } : {}) });
        expectKnownError(res, 'INSUFFICIENT_ACCESS_TYPE', 401);
        expect(res.json.details).toEqual({ actual_access_type: type, allowed_access_types: ['admin'] });
      }
    }
    expect(await storedOverrides(t.projectId)).toBe(0);
  });

  it('another project’s admin key reads and writes nothing of this project', async () => {
    const other = await createProject(t.server.ctx.db, t.server.ctx.box, { displayName: 'Other' });
    for (const [method, route, body] of REQUESTS) {
      const res = await api(t, method, route, {
        headers: adminKeyHeaders(t.projectId, other.keys.superSecretAdminKey),
        ...(body !== undefined ? { body } : {}),
      });
      expect(res.status).toBe(401);
      expect(res.text).not.toContain('config_string');
    }
    expect(await storedOverrides(t.projectId)).toBe(0);

    // Each project's writes stay its own.
    const write = await api(t, 'PATCH', '/internal/config/override/environment', {
      headers: adminKeyHeaders(other.project.id, other.keys.superSecretAdminKey),
      body: PATCH_BODY,
    });
    expect(write.status, write.text).toBe(200);
    const otherServer = { ...t, projectId: other.project.id };
    expect((await renderedConfig(otherServer, adminKeyHeaders(other.project.id, other.keys.superSecretAdminKey))).users).toEqual({
      allowClientUserDeletion: true,
    });
    expect((await renderedConfig(t, adminKeyHeaders(t.projectId, t.keys.superSecretAdminKey))).users).toEqual({
      allowClientUserDeletion: false,
    });
    expect(await storedOverrides(t.projectId)).toBe(0);
  });

  it('an operator’s admin token works for the projects their team owns, not for another', async () => {
    await setInternalSignUp(t, true);
    const owner = await signUpOperator(t);
    const stranger = await signUpOperator(t);
    const projectId = await createOwnedProject(t, owner);
    const mine = await api(t, 'PATCH', '/internal/config/override/environment', {
      headers: adminTokenHeaders(projectId, owner.accessToken),
      body: PATCH_BODY,
    });
    expect(mine.status, mine.text).toBe(200);
    for (const [method, route, body] of REQUESTS) {
      const res = await api(t, method, route, {
        headers: adminTokenHeaders(projectId, stranger.accessToken),
        ...(body !== undefined ? { body } : {}),
      });
      expectKnownError(res, 'ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN', 401);
    }
    const seen = await api(t, 'GET', '/internal/config/override/environment', { headers: adminTokenHeaders(projectId, owner.accessToken) });
    expect(JSON.parse(seen.json.config_string as string)).toEqual({ 'users.allowClientUserDeletion': true });
  });
});
