/**
 * A real OpenID Connect provider on 127.0.0.1 for the OAuth tests: oauth2-mock-server (discovery, authorize, token with
 * PKCE checking, userinfo, JWKS, RS256 ID tokens). It has no login page: each authorization is given the next identity
 * the test queued (`signInNextAs`), or answers the next one with an error (`refuseNext`); refresh-token grants can be
 * refused (`refuseNextRefresh`).
 */
import { OAuth2Server } from 'oauth2-mock-server';

export interface MockIdentity {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface OidcProvider {
  issuerUrl: string;
  /** The next authorization signs in as this identity. */
  signInNextAs(identity: MockIdentity): void;
  /** The next authorization is answered with this OAuth error (`access_denied`...) instead of a code. */
  refuseNext(error: string): void;
  /** The next refresh-token grant is answered `invalid_grant` (a revoked refresh token). */
  refuseNextRefresh(): void;
  /** How many refresh-token grants the provider answered. */
  refreshes(): number;
  stop(): Promise<void>;
}

export async function startOidcProvider(): Promise<OidcProvider> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(0, '127.0.0.1');
  const address = server.address();
  server.issuer.url = `http://127.0.0.1:${address.port}`;

  const queue: Array<MockIdentity | { error: string }> = [];
  const byCode = new Map<string, MockIdentity>();
  const bySub = new Map<string, MockIdentity>();

  server.service.on('beforeAuthorizeRedirect', (redirect: { url: URL }) => {
    const next = queue.shift();
    if (!next) throw new Error('The mock provider got an authorization without a queued identity');
    const code = redirect.url.searchParams.get('code')!;
    if ('error' in next) {
      redirect.url.searchParams.delete('code');
      redirect.url.searchParams.set('error', next.error);
      return;
    }
    byCode.set(code, next);
    bySub.set(next.sub, next);
  });
  server.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }, req: { body?: Record<string, string> }) => {
    const identity = req.body?.code ? byCode.get(req.body.code) : undefined;
    if (identity) token.payload.sub = identity.sub;
  });
  server.service.on('beforeUserinfo', (response: { body: Record<string, unknown> }, req: { headers: Record<string, string> }) => {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /i, '');
    const sub = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString() || '{}').sub as string | undefined;
    const identity = sub ? bySub.get(sub) : undefined;
    response.body = identity ? { ...identity } : { sub: sub ?? 'unknown' };
  });

  let refuseRefresh = false;
  let refreshCount = 0;
  server.service.on('beforeResponse', (response: { statusCode: number; body: unknown }, req: { body?: Record<string, string> }) => {
    if (req.body?.grant_type !== 'refresh_token') return;
    refreshCount += 1;
    if (refuseRefresh) {
      refuseRefresh = false;
      response.statusCode = 400;
      response.body = { error: 'invalid_grant' };
    }
  });

  return {
    issuerUrl: server.issuer.url,
    signInNextAs: (identity) => queue.push(identity),
    refuseNext: (error) => queue.push({ error }),
    refuseNextRefresh: () => {
      refuseRefresh = true;
    },
    refreshes: () => refreshCount,
    stop: () => server.stop(),
  };
}
