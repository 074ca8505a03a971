/**
 * What a Legacy Neon Auth backend did, unchanged but for the URL (README "Quick start"):
 * verify the access token with jose against the JWKS URL and `audience: projectId`, or ask
 * `GET /api/v1/users/me` with server access, the secret server key and the user's token.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { expect, it } from 'vitest';
import { describeOnEachStore } from '../helpers/server.js';
import { signUp } from './support.js';

describeOnEachStore('Legacy Neon Auth backend snippets on %s', (t) => {
  it('the README jose snippet gives payload.sub = the user id', async () => {
    const alice = await signUp(t);
    const accessToken = alice.accessToken;

    // The README's snippet, with only the base URL and the project ID filled in.
    const jwks = createRemoteJWKSet(new URL(`${t.url}/api/v1/projects/${t.projectId}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(accessToken, jwks, { audience: t.projectId });
    // payload.sub is the user's ID

    expect(payload.sub).toBe(alice.userId);
    expect(payload.iss).toBe(`${t.url}/api/v1/projects/${t.projectId}`);
    expect(payload.email).toBe(alice.email);
    expect(payload.role).toBe('authenticated');
  });

  it('jose refuses the token for another audience, a tampered token and an anonymous token', async () => {
    const alice = await signUp(t);
    const jwks = createRemoteJWKSet(new URL(`${t.url}/api/v1/projects/${t.projectId}/.well-known/jwks.json`));
    await expect(jwtVerify(alice.accessToken, jwks, { audience: '00000000-0000-4000-8000-000000000000' })).rejects.toThrow();
    const [h, p, s] = alice.accessToken.split('.') as [string, string, string];
    const changed = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'someone-else' })).toString(
      'base64url',
    );
    await expect(jwtVerify(`${h}.${changed}.${s}`, jwks, { audience: t.projectId })).rejects.toThrow();
    // Anonymous users' tokens are signed with keys the default JWKS does not list.
    const anon = await fetch(`${t.apiUrl}/auth/anonymous/sign-up`, {
      method: 'POST',
      headers: {
        'x-stack-access-type': 'client',
        'x-stack-project-id': t.projectId,
        'x-stack-publishable-client-key': t.keys.publishableClientKey,
      },
    });
    const anonToken = ((await anon.json()) as { access_token: string }).access_token;
    await expect(jwtVerify(anonToken, jwks, { audience: t.projectId })).rejects.toThrow();
    const anonJwks = createRemoteJWKSet(new URL(`${t.url}/api/v1/projects/${t.projectId}/.well-known/jwks.json?include_anonymous=true`));
    const { payload } = await jwtVerify(anonToken, anonJwks, { audience: `${t.projectId}:anon` });
    expect(payload.is_anonymous).toBe(true);
  });

  it('GET /api/v1/users/me with server access, the secret key and the user token → the server user', async () => {
    const alice = await signUp(t);
    const ask = (headers: Record<string, string>) => fetch(`${t.url}/api/v1/users/me`, { headers });
    const headers = {
      'x-stack-access-type': 'server',
      'x-stack-project-id': t.projectId,
      'x-stack-secret-server-key': t.keys.secretServerKey,
      'x-stack-access-token': alice.accessToken,
    };
    const res = await ask(headers);
    expect(res.status).toBe(200);
    const user = (await res.json()) as Record<string, unknown>;
    expect(user.id).toBe(alice.userId);
    expect(user.primary_email).toBe(alice.email);
    expect(user).toHaveProperty('server_metadata');
    expect(user).toHaveProperty('risk_scores');

    expect((await ask({ ...headers, 'x-stack-secret-server-key': 'ssk_wrong' })).status).not.toBe(200);
    expect((await ask({ ...headers, 'x-stack-secret-server-key': t.keys.publishableClientKey })).status).not.toBe(200);
    expect((await ask({ ...headers, 'x-stack-access-token': 'not-a-token' })).status).not.toBe(200);
    expect((await ask({ ...headers, 'x-stack-access-token': alice.accessToken.slice(0, -2) + 'AA' })).status).not.toBe(200);
    const { 'x-stack-access-token': _token, ...withoutToken } = headers;
    expect((await ask(withoutToken)).status).not.toBe(200);
  });
});
