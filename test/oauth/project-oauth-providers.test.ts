/**
 * GET /projects/current lists the providers a project offers for sign-in, as Stack does (`config.
 * enabled_oauth_providers: [{id}]`), so the SDK's `getProject()` (and the prebuilt sign-in page built on it) shows
 * them: only providers with sign-in on, and nothing of their credentials.
 */
import { describe, expect, it } from 'vitest';
import * as sdk2839 from 'stack-js-2839';
import * as sdk28108 from 'stack-js-28108';
import { addOAuthProvider } from '../../src/oauth/provider-config.js';
import { api, clientHeaders, useTestServer } from '../helpers/server.js';

type Sdk = typeof sdk28108;
const versions: Array<[string, Sdk]> = [
  ['2.8.39', sdk2839 as unknown as Sdk],
  ['2.8.108', sdk28108],
];

describe('GET /projects/current and OAuth providers', () => {
  const t = useTestServer({ mode: 'postgres' });
  const add = (providerId: string, extra: { issuerUrl?: string; allowSignIn?: boolean } = {}) =>
    addOAuthProvider(t.server.ctx.db, t.server.ctx.box, t.projectId, {
      providerId,
      clientId: `${providerId}-client-id`,
      clientSecret: `${providerId}-client-secret`,
      ...extra,
    });

  it('lists no provider while none is configured', async () => {
    const res = await api(t, 'GET', '/projects/current', { headers: clientHeaders(t) });
    expect(res.status, res.text).toBe(200);
    expect((res.json.config as Record<string, unknown>).enabled_oauth_providers).toEqual([]);
  });

  it('lists only the providers with sign-in on, by ID, without client IDs or secrets', async () => {
    await add('github');
    await add('google');
    await add('keycloak', { issuerUrl: 'https://sso.example.com/realms/app' });
    await add('microsoft', { allowSignIn: false });
    const res = await api(t, 'GET', '/projects/current', { headers: clientHeaders(t) });
    expect(res.status, res.text).toBe(200);
    expect((res.json.config as Record<string, unknown>).enabled_oauth_providers).toEqual([
      { id: 'github' },
      { id: 'google' },
      { id: 'keycloak' },
    ]);
    for (const secretish of ['client-id', 'client-secret', 'sso.example.com', 'microsoft']) expect(res.text).not.toContain(secretish);
  });

  describe.each(versions)('@stackframe/js %s', (_version, sdk) => {
    it('getProject() shows the sign-in providers in config.oauthProviders, as the prebuilt sign-in page reads them', async () => {
      const app = new sdk.StackClientApp({
        projectId: t.projectId,
        publishableClientKey: t.keys.publishableClientKey,
        baseUrl: t.url,
        tokenStore: 'memory',
      });
      const project = await app.getProject();
      expect(project.config.oauthProviders).toEqual([{ id: 'github' }, { id: 'google' }, { id: 'keycloak' }]);
    });
  });
});
