/**
 * The OAuth sign-in as the Stack SDK drives it, request by request (spec part 2 §1.1, §1.11), with plain fetch and
 * manual redirects, so a test can stop at any step: authorize (redirect or JSON mode) → the provider → authsync's
 * callback → the app's callback URL with `code` and `state` → POST /auth/oauth/token.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { addOAuthProvider } from '../../src/oauth/provider-config.js';
import type { TestServer } from '../helpers/server.js';
import { startOidcProvider, type OidcProvider } from '../helpers/oidc-provider.js';

export const APP_CALLBACK = 'http://localhost:3000/handler/oauth-callback';
export const APP_ERROR = 'http://localhost:3000/handler/error';

export async function addMockProvider(
  t: TestServer,
  idp: OidcProvider,
  providerId = 'acme',
  options: { allowSignIn?: boolean; allowConnectedAccounts?: boolean } = {},
) {
  await addOAuthProvider(t.server.ctx.db, t.server.ctx.box, t.projectId, {
    providerId,
    type: 'oidc',
    // Letters only: the mock provider takes the ID token's audience from the Basic credentials without decoding them.
    clientId: `client${providerId.replace(/[^a-z0-9]/g, '')}`,
    clientSecret: 'mock-secret',
    issuerUrl: idp.issuerUrl,
    ...options,
  });
}

/**
 * A mock OpenID Connect provider for the enclosing describe block: started before its tests, added to `t`'s project as
 * the provider `acme`, stopped after them (as useTestServer does for the server).
 */
export function useMockProvider(t: TestServer): OidcProvider {
  const idp = {} as OidcProvider;
  let started: OidcProvider | undefined;
  beforeAll(async () => {
    started = await startOidcProvider();
    Object.assign(idp, started);
    await addMockProvider(t, idp);
  });
  afterAll(async () => {
    await started?.stop();
  });
  return idp;
}

export interface OuterParams {
  verifier: string;
  state: string;
}

export function newOuterParams(): OuterParams {
  return { verifier: randomBytes(32).toString('base64url'), state: randomBytes(32).toString('base64url') };
}

export function authorizeUrl(t: TestServer, providerId: string, outer: OuterParams, extra: Record<string, string> = {}): string {
  const url = new URL(`${t.apiUrl}/auth/oauth/authorize/${providerId}`);
  const params: Record<string, string> = {
    client_id: t.projectId,
    client_secret: t.keys.publishableClientKey,
    redirect_uri: APP_CALLBACK,
    scope: 'legacy',
    state: outer.state,
    grant_type: 'authorization_code',
    code_challenge: createHash('sha256').update(outer.verifier).digest('base64url'),
    code_challenge_method: 'S256',
    response_type: 'code',
    type: 'authenticate',
    error_redirect_url: APP_ERROR,
    ...extra,
  };
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.toString();
}

export interface ProviderRoundTrip {
  /** authsync's callback URL, as the provider redirected to it. */
  callbackUrl: string;
  /** The inner cookie (redirect mode), as `name=value`. */
  cookie: string | undefined;
}

/** Authorize, then the provider: up to the provider's redirect back to authsync's callback. */
export async function toCallback(authorize: string, mode: 'json' | 'redirect'): Promise<ProviderRoundTrip> {
  let location: string;
  let cookie: string | undefined;
  if (mode === 'json') {
    const res = await fetch(`${authorize}&stack_response_mode=json`);
    expect(res.status, await res.clone().text()).toBe(200);
    location = ((await res.json()) as { location: string }).location;
  } else {
    const res = await fetch(authorize, { redirect: 'manual' });
    expect(res.status, await res.clone().text()).toBe(307);
    location = res.headers.get('location')!;
    cookie = res.headers.get('set-cookie')?.split(';')[0];
  }
  const idp = await fetch(location, { redirect: 'manual' });
  expect(idp.status).toBe(302);
  return { callbackUrl: idp.headers.get('location')!, cookie };
}

/** authsync's callback: its answer (303 to the app with a code, or 307 with an error). */
export async function callback(trip: ProviderRoundTrip) {
  const res = await fetch(trip.callbackUrl, { redirect: 'manual', headers: trip.cookie ? { cookie: trip.cookie } : {} });
  return { status: res.status, location: res.headers.get('location'), text: await res.text(), headers: res.headers };
}

export async function exchange(t: TestServer, code: string, verifier: string, redirectUri = APP_CALLBACK) {
  const res = await fetch(`${t.apiUrl}/auth/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      client_id: t.projectId,
      client_secret: t.keys.publishableClientKey,
    }).toString(),
  });
  const text = await res.text();
  return { status: res.status, text, json: (text.startsWith('{') ? JSON.parse(text) : undefined) as Record<string, unknown> };
}

/** The whole sign-in, expecting success: the token response. */
export async function signInWith(
  t: TestServer,
  providerId: string,
  options: { mode?: 'json' | 'redirect'; extra?: Record<string, string> } = {},
) {
  const outer = newOuterParams();
  const trip = await toCallback(authorizeUrl(t, providerId, outer, options.extra), options.mode ?? 'json');
  const back = await callback(trip);
  expect(back.status, `${back.location ?? ''} ${back.text}`).toBe(303);
  const app = new URL(back.location!);
  expect(app.origin + app.pathname).toBe(APP_CALLBACK);
  expect(app.searchParams.get('state')).toBe(outer.state);
  const token = await exchange(t, app.searchParams.get('code')!, outer.verifier);
  expect(token.status, token.text).toBe(200);
  return token.json;
}
