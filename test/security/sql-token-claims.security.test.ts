/**
 * Token claims on /sql: a token signed with the project's own key is refused with Neon's error shape and a 400 when
 * it has no `exp`, an `iss` that is not the project's (users or anonymous users), or an `exp` too far to represent
 * (1e20 used to reach the identity store, whose to_timestamp() overflowed: a 500).
 */
import { neon, NeonDbError } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuerFor, audienceFor } from '../../src/auth/access-tokens.js';
import { signEs256 } from '../../src/crypto/es256.js';
import type { Audience } from '../../src/projects/signing-keys.js';
import type { TestServer } from '../helpers/server.js';
import { signUp, startTodosFixture, type sqlUrls, type TestUser } from '../rls/support.js';

let t: TestServer;
let urls: ReturnType<typeof sqlUrls>;
let alice: TestUser;

beforeAll(async () => {
  ({ t, urls, alice } = await startTodosFixture());
});

afterAll(async () => {
  await t?.stop();
});

/** A token signed with the project's own key for `audience`, with the claims authsync mints, overridden by `claims`. */
async function ownToken(claims: Record<string, unknown>, audience: Audience = 'default'): Promise<string> {
  const signer = (await t.server.ctx.directory.signingKey(t.projectId, audience))!;
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    sub: alice.id,
    iss: issuerFor(t.server.ctx.config.baseUrl, t.projectId, audience),
    aud: audienceFor(t.projectId, audience),
    iat: now,
    exp: now + 600,
    project_id: t.projectId,
    role: 'authenticated',
    is_anonymous: audience === 'anonymous',
    ...claims,
  };
  for (const [key, value] of Object.entries(payload)) if (value === undefined) delete payload[key];
  return signEs256(payload, signer.kid, signer.key);
}

/** The raw /sql answer: status and body. */
async function post(token: string, role: 'authenticated' | 'anonymous' = 'authenticated') {
  const response = await fetch(urls.sqlEndpoint, {
    method: 'POST',
    headers: {
      'Neon-Connection-String': urls.databaseAuthenticatedUrl.replace('authenticated@', `${role}@`),
      Authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ query: 'SELECT auth.user_id() AS uid', params: [] }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Neon's 17-key error shape, code "" (an error of the endpoint, not of PostgreSQL). */
function expectNeonError(body: Record<string, unknown>, message: string | RegExp): void {
  expect(Object.keys(body)).toHaveLength(17);
  expect(body.code).toBe('');
  if (typeof message === 'string') expect(body.message).toBe(message);
  else expect(body.message).toMatch(message);
}

describe('/sql token claims', () => {
  it('a well-formed own token is accepted (the control)', async () => {
    const res = await post(await ownToken({}));
    expect(res.status).toBe(200);
    expect((res.body.rows as { uid: string }[])[0]!.uid).toBe(alice.id);
  });

  it('refuses a token without exp (400, Neon shape), through the driver as well', async () => {
    const token = await ownToken({ exp: undefined });
    const res = await post(token);
    expect(res.status).toBe(400);
    expectNeonError(res.body, 'JWT token has no expiration time (exp)');
    const error = (await neon(urls.databaseAuthenticatedUrl, { authToken: token })`SELECT 1`.catch((e: unknown) => e)) as NeonDbError;
    expect(error).toBeInstanceOf(NeonDbError);
    expect(error.message).toBe('JWT token has no expiration time (exp)');
  });

  it("refuses an own-key token whose iss is not the project's (users' and anonymous users' issuers)", async () => {
    for (const iss of [
      'https://evil.example.com/api/v1/projects/' + t.projectId,
      issuerFor(t.server.ctx.config.baseUrl, t.projectId, 'anonymous'),
      undefined,
    ]) {
      const res = await post(await ownToken({ iss }));
      expect(res.status, String(iss)).toBe(400);
      expectNeonError(res.body, 'invalid JWT token issuer');
    }
    // An anonymous-audience token needs the anonymous issuer, and the users' issuer is foreign to it.
    const anonymousWithUsersIssuer = await ownToken({ iss: issuerFor(t.server.ctx.config.baseUrl, t.projectId, 'default') }, 'anonymous');
    expect((await post(anonymousWithUsersIssuer, 'anonymous')).status).toBe(400);
    expect((await post(await ownToken({}, 'anonymous'), 'anonymous')).status).toBe(200);
  });

  it('refuses a huge exp (1e20, beyond what a timestamp can hold) with a 400, not a 500', async () => {
    for (const exp of [1e20, 253_402_300_800, Number.MAX_SAFE_INTEGER]) {
      const res = await post(await ownToken({ exp }));
      expect(res.status, String(exp)).toBe(400);
      expectNeonError(res.body, 'Provided authentication token is not a valid JWT encoding');
    }
  });

  it('the identity store itself keeps a far-future exp instead of failing (the cause of the 500)', async () => {
    // The last second a timestamp holds is still accepted; the kit clamps the row's expiry instead of overflowing.
    const res = await post(await ownToken({ exp: 253_402_300_799 }));
    expect(res.status).toBe(200);
    const { rows } = await t.server.ctx.db.query<{ ok: boolean }>(
      `SELECT count(*) = 1 AS ok FROM authsync_rls.add_identities('[{"claims": {"sub": "x"}, "expires": 1e20}]'::jsonb)`,
    );
    expect(rows[0]!.ok).toBe(true);
  });
});

describe('/sql token claims: a new user', () => {
  it('a fresh sign-up token passes all of the above', async () => {
    const carol = await signUp(t, 'carol@example.com');
    expect((await post(carol.accessToken)).status).toBe(200);
  });
});
