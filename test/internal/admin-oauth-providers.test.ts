/**
 * `config.oauth_providers` of the admin project object: a list set through PATCH /internal/projects/current becomes
 * the project's built-in providers (the sign-in flow's, `authsync oauth providers`'), OpenID Connect providers stay,
 * secrets are sealed and never shown back, and what authsync cannot offer (Stack's shared keys, providers it has no
 * client for) is refused before anything changes.
 */
import { describe, expect, it } from 'vitest';
import { addOAuthProvider, getOAuthProvider } from '../../src/oauth/provider-config.js';
import { api, useTestServer } from '../helpers/server.js';
import { expectKnownError } from '../api/support.js';
import { adminTokenHeaders, createOwnedProject, DEV_KEYS_ENV, setInternalSignUp, signUpOperator } from './support.js';

const t = useTestServer({ env: DEV_KEYS_ENV });

type Json = Record<string, unknown>;
const config = (res: { json: Json }) => res.json.config as Json;

describe('admin project oauth_providers', () => {
  let projectId: string;
  let headers: Record<string, string>;
  const patch = (body: Json) => api(t, 'PATCH', '/internal/projects/current', { headers, body });

  it('sets up an operator and a project with an OpenID Connect provider', async () => {
    await setInternalSignUp(t, true);
    const operator = await signUpOperator(t);
    projectId = await createOwnedProject(t, operator);
    headers = adminTokenHeaders(projectId, operator.accessToken);
    await addOAuthProvider(t.server.ctx.db, t.server.ctx.box, projectId, {
      providerId: 'corp',
      clientId: 'corp-client',
      clientSecret: 'corp-secret',
      issuerUrl: 'https://idp.example.com',
    });
  });

  it('a standard provider is stored with its secret sealed and shown with its client ID only', async () => {
    const res = await patch({
      config: { oauth_providers: [{ id: 'google', type: 'standard', client_id: 'g-id', client_secret: 'g-secret' }] },
    });
    expect(res.status, res.text).toBe(200);
    expect(config(res).oauth_providers).toEqual([
      { id: 'corp', provider_config_id: 'corp', type: 'standard', client_id: 'corp-client' },
      { id: 'google', provider_config_id: 'google', type: 'standard', client_id: 'g-id' },
    ]);
    expect(config(res).enabled_oauth_providers).toEqual([{ id: 'corp' }, { id: 'google' }]);
    expect(res.text).not.toContain('g-secret');
    expect(res.text).not.toContain('corp-secret');
    const stored = await getOAuthProvider(t.server.ctx.db, t.server.ctx.box, projectId, 'google');
    expect(stored).toMatchObject({ type: 'google', clientId: 'g-id', clientSecret: 'g-secret' });
    const { rows } = await t.server.ctx.db.query<{ client_secret_enc: string }>(
      'SELECT client_secret_enc FROM authsync.oauth_providers WHERE project_id = $1 AND provider_id = $2',
      [projectId, 'google'],
    );
    expect(rows[0]!.client_secret_enc).not.toContain('g-secret');
  });

  it('the list replaces the built-in providers; OpenID Connect providers stay', async () => {
    const res = await patch({
      config: { oauth_providers: [{ id: 'github', type: 'standard', client_id: 'gh-id', client_secret: 'gh-secret' }] },
    });
    expect((config(res).oauth_providers as Json[]).map((p) => p.id)).toEqual(['corp', 'github']);
    expect(await getOAuthProvider(t.server.ctx.db, t.server.ctx.box, projectId, 'google')).toBeUndefined();
  });

  it("Stack's shared keys offer nothing: a shared entry is neither stored nor shown", async () => {
    const res = await patch({
      config: {
        oauth_providers: [
          { id: 'google', type: 'shared' },
          { id: 'github', type: 'standard', client_id: 'gh-id', client_secret: 'gh-secret' },
        ],
      },
    });
    expect(res.status, res.text).toBe(200);
    expect((config(res).oauth_providers as Json[]).map((p) => p.id)).toEqual(['corp', 'github']);
    expect(await getOAuthProvider(t.server.ctx.db, t.server.ctx.box, projectId, 'google')).toBeUndefined();
  });

  it('what authsync cannot offer is refused and changes nothing', async () => {
    const spotify = await patch({
      display_name: 'Not this',
      config: { oauth_providers: [{ id: 'spotify', type: 'standard', client_id: 'a', client_secret: 'b' }] },
    });
    expect(spotify.status).toBe(400);
    expectKnownError(
      await patch({ config: { oauth_providers: [{ id: 'google', type: 'standard', client_id: 'a', client_secret: '' }] } }),
      'SCHEMA_ERROR',
      400,
      {
        message:
          'Request validation failed on PATCH /api/v1/internal/projects/current:\n  - body.config.oauth_providers[0].client_secret must not be empty',
      },
    );
    const after = await api(t, 'GET', '/internal/projects/current', { headers });
    expect(after.json.display_name).not.toBe('Not this');
    expect((config(after).oauth_providers as Json[]).map((p) => p.id)).toEqual(['corp', 'github']);
  });
});
