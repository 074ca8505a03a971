/**
 * The OAuth flow's security properties, each a test named after it, through a real OpenID Connect provider on
 * 127.0.0.1: single-use codes and states with their time limits, PKCE on the outer leg, no open redirect, disabled
 * providers, provider errors as the SDK's error redirect, and nothing of the provider's reaching the app or the
 * database in clear.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { addOAuthProvider } from '../../src/oauth/provider-config.js';
import { updateProject } from '../../src/projects/projects.js';
import { expectKnownError, raw, uniqueEmail } from '../api/support.js';
import { useTestServer } from '../helpers/server.js';
import {
  APP_CALLBACK,
  APP_ERROR,
  addMockProvider,
  authorizeUrl,
  callback,
  exchange,
  newOuterParams,
  toCallback,
  useMockProvider,
} from './flow.js';

describe('OAuth flow security', () => {
  const t = useTestServer();
  const idp = useMockProvider(t);

  const someone = () => idp.signInNextAs({ sub: randomUUID(), email: uniqueEmail('sec'), email_verified: true });
  const authorizeJson = (url: string) => raw(t, 'GET', url.slice(t.apiUrl.length) + '&stack_response_mode=json');

  /** A flow up to the app's callback URL: the outer code and its verifier. */
  async function outerCode() {
    someone();
    const outer = newOuterParams();
    const back = await callback(await toCallback(authorizeUrl(t, 'acme', outer), 'json'));
    expect(back.status).toBe(303);
    return { code: new URL(back.location!).searchParams.get('code')!, verifier: outer.verifier };
  }

  async function setConfig(config: Parameters<typeof updateProject>[2]['config']) {
    await updateProject(t.server.ctx.db, t.projectId, { config });
    t.server.ctx.directory.invalidate(t.projectId);
  }

  it('a replayed outer code is refused', async () => {
    const { code, verifier } = await outerCode();
    expect((await exchange(t, code, verifier)).status).toBe(200);
    const replay = await exchange(t, code, verifier);
    expect(replay.status).toBe(400);
    expect(replay.json.code).toBe('INVALID_AUTHORIZATION_CODE');
  });

  it('a wrong verifier is refused, and spends the code', async () => {
    const { code, verifier } = await outerCode();
    const wrong = await exchange(t, code, newOuterParams().verifier);
    expect(wrong.json.code).toBe('INVALID_AUTHORIZATION_CODE');
    expect((await exchange(t, code, verifier)).json.code).toBe('INVALID_AUTHORIZATION_CODE');
  });

  it('an outer code is bound to its redirect_uri', async () => {
    const { code, verifier } = await outerCode();
    const other = await exchange(t, code, verifier, 'http://localhost:3000/other-callback');
    expect(other.status).toBe(400);
    expect(other.text).toContain('Invalid redirect URI');
  });

  it('a replayed inner state is refused', async () => {
    someone();
    const trip = await toCallback(authorizeUrl(t, 'acme', newOuterParams()), 'json');
    expect((await callback(trip)).status).toBe(303);
    const replay = await callback(trip);
    expect(replay.status).toBe(400);
    expect(replay.location).toBeNull();
    expect(replay.text).toBe('Invalid OAuth state. Please try signing in again.');
  });

  it('an inner state older than 10 minutes comes back as OUTER_OAUTH_TIMEOUT', async () => {
    someone();
    const trip = await toCallback(authorizeUrl(t, 'acme', newOuterParams()), 'json');
    await t.server.ctx.db.query(`UPDATE authsync.oauth_flow_states SET expires_at = now() - interval '1 second'`);
    const back = await callback(trip);
    expect(back.status).toBe(307);
    expect(new URL(back.location!).searchParams.get('errorCode')).toBe('OUTER_OAUTH_TIMEOUT');
  });

  describe('a redirect URL outside the trusted domains is refused (no open redirect)', () => {
    it('redirect_uri and after_callback_redirect_url at authorize', async () => {
      const untrusted: Array<Record<string, string>> = [
        { redirect_uri: 'https://evil.example/handler/oauth-callback' },
        { after_callback_redirect_url: 'https://evil.example/after' },
        { redirect_uri: 'javascript:alert(1)' },
      ];
      for (const extra of untrusted) {
        const res = await authorizeJson(authorizeUrl(t, 'acme', newOuterParams(), extra));
        expect(res.status, JSON.stringify(extra)).toBe(400);
        expect(['REDIRECT_URL_NOT_WHITELISTED', 'SCHEMA_ERROR']).toContain(res.json.code);
        expect(res.headers.get('location')).toBeNull();
      }
      expectKnownError(
        await authorizeJson(authorizeUrl(t, 'acme', newOuterParams(), { redirect_uri: 'https://evil.example/cb' })),
        'REDIRECT_URL_NOT_WHITELISTED',
        400,
      );
    });

    it('a trusted domain by scheme, host and port; localhost only while the project allows it', async () => {
      await setConfig({ domains: [{ domain: 'https://app.example.com', handler_path: '/handler' }], allow_localhost: false });
      try {
        const trusted = await authorizeJson(
          authorizeUrl(t, 'acme', newOuterParams(), { redirect_uri: 'https://app.example.com/any/path' }),
        );
        expect(trusted.status, trusted.text).toBe(200);
        for (const redirect of [
          'http://app.example.com/cb',
          'https://app.example.com:8443/cb',
          'https://app.example.com.evil.example/cb',
          APP_CALLBACK,
        ]) {
          const res = await authorizeJson(authorizeUrl(t, 'acme', newOuterParams(), { redirect_uri: redirect }));
          expect(res.json.code, redirect).toBe('REDIRECT_URL_NOT_WHITELISTED');
        }
      } finally {
        await setConfig({ domains: [], allow_localhost: true });
      }
    });

    it('at the callback, an error is not redirected to a URL the project no longer trusts', async () => {
      someone();
      const trip = await toCallback(authorizeUrl(t, 'acme', newOuterParams()), 'json');
      await setConfig({ allow_localhost: false });
      try {
        const back = await callback(trip);
        expect(back.location).toBeNull();
        expect(back.status).toBe(400);
        expect(JSON.parse(back.text).code).toBe('REDIRECT_URL_NOT_WHITELISTED');
      } finally {
        await setConfig({ allow_localhost: true });
      }
    });
  });

  it('a disabled provider is refused at authorize, and at the callback of a flow started before', async () => {
    await addOAuthProvider(t.server.ctx.db, t.server.ctx.box, t.projectId, {
      providerId: 'off',
      type: 'oidc',
      clientId: 'clientoff',
      clientSecret: 'mock-secret',
      issuerUrl: idp.issuerUrl,
      allowSignIn: false,
    });
    expectKnownError(await authorizeJson(authorizeUrl(t, 'off', newOuterParams())), 'OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED', 400);
    expectKnownError(await authorizeJson(authorizeUrl(t, 'gitlab', newOuterParams())), 'OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED', 400);

    await addMockProvider(t, idp, 'later');
    someone();
    const trip = await toCallback(authorizeUrl(t, 'later', newOuterParams()), 'json');
    await addMockProvider(t, idp, 'later', { allowSignIn: false });
    const back = await callback(trip);
    expect(back.status).toBe(307);
    expect(new URL(back.location!).searchParams.get('errorCode')).toBe('OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED');
  });

  it('a provider that answers an error comes back as the SDK’s error redirect', async () => {
    idp.refuseNext('access_denied');
    const outer = newOuterParams();
    const back = await callback(await toCallback(authorizeUrl(t, 'acme', outer), 'json'));
    expect(back.status).toBe(307);
    const url = new URL(back.location!);
    expect(url.origin + url.pathname).toBe(APP_CALLBACK);
    expect(url.searchParams.get('error')).toBe('server_error');
    expect(url.searchParams.get('errorCode')).toBe('OAUTH_PROVIDER_ACCESS_DENIED');
    expect(url.searchParams.get('message')).toBeTruthy();
    expect(JSON.parse(url.searchParams.get('details')!)).toEqual({});
    expect(url.searchParams.has('code')).toBe(false);
  });

  it('without a trusted redirect_uri, the error goes to error_redirect_url', async () => {
    // A flow whose redirect_uri was trusted at authorize but whose stored copy is not any more is the only way to
    // reach this branch: simulate it by editing the stored request.
    idp.refuseNext('access_denied');
    const trip = await toCallback(authorizeUrl(t, 'acme', newOuterParams()), 'json');
    await t.server.ctx.db.query(
      `UPDATE authsync.oauth_flow_states SET outer_request = jsonb_set(outer_request, '{redirectUri}', '"https://gone.example/cb"')`,
    );
    const back = await callback(trip);
    expect(back.status).toBe(307);
    expect(back.location!.startsWith(`${APP_ERROR}?`)).toBe(true);
  });

  it('a wrong publishable key at authorize is INVALID_PUBLISHABLE_CLIENT_KEY; an unknown project INVALID_OAUTH_CLIENT_ID_OR_SECRET', async () => {
    expectKnownError(
      await authorizeJson(authorizeUrl(t, 'acme', newOuterParams(), { client_secret: 'pck_wrong' })),
      'INVALID_PUBLISHABLE_CLIENT_KEY',
      401,
    );
    expectKnownError(
      await authorizeJson(authorizeUrl(t, 'acme', newOuterParams(), { client_id: randomUUID() })),
      'INVALID_OAUTH_CLIENT_ID_OR_SECRET',
      400,
    );
  });

  it('the provider’s id_token never reaches the app, and its tokens, the states and the codes are not stored in clear', async () => {
    someone();
    const outer = newOuterParams();
    const trip = await toCallback(authorizeUrl(t, 'acme', outer), 'json');
    const innerState = new URL(trip.callbackUrl).searchParams.get('state')!;
    const states = await t.server.ctx.db.query<{ row: string }>(`SELECT t::text AS row FROM authsync.oauth_flow_states t`);
    expect(states.rows.some((r) => r.row.includes(innerState))).toBe(false);
    const back = await callback(trip);
    const code = new URL(back.location!).searchParams.get('code')!;
    const codes = await t.server.ctx.db.query<{ row: string }>(`SELECT t::text AS row FROM authsync.oauth_codes t`);
    expect(codes.rows.some((r) => r.row.includes(code))).toBe(false);
    const token = await exchange(t, code, outer.verifier);
    expect(token.status).toBe(200);
    expect(Object.keys(token.json).sort()).toEqual(
      [
        'access_token',
        'after_callback_redirect_url',
        'afterCallbackRedirectUrl',
        'expires_in',
        'is_new_user',
        'newUser',
        'refresh_token',
        'scope',
        'token_type',
      ].sort(),
    );
    const accounts = await t.server.ctx.db.query<{ access_token_enc: string; refresh_token_enc: string }>(
      'SELECT access_token_enc, refresh_token_enc FROM authsync.oauth_accounts',
    );
    for (const account of accounts.rows) {
      expect(account.access_token_enc.startsWith('v1.')).toBe(true);
      expect(account.access_token_enc).not.toMatch(/^ey/);
    }
  });
});

describe('OAuth sign-ins are rate-limited per client address', () => {
  const t = useTestServer({ env: { AUTHSYNC_RATE_LIMIT_SIGN_IN: '2/5m' } });
  useMockProvider(t);

  it('the third start within the window is refused with 429 and Retry-After, before any flow is stored', async () => {
    const start = () => fetch(`${authorizeUrl(t, 'acme', newOuterParams())}&stack_response_mode=json`);
    expect((await start()).status).toBe(200);
    expect((await start()).status).toBe(200);
    const third = await start();
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    const { rows } = await t.server.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM authsync.oauth_flow_states');
    expect(rows[0]!.n).toBe(2);
  });
});
