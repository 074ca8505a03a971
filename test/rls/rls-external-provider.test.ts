/**
 * An external JWKS provider (as Clerk, Auth0 or Keycloak would be): an RS256 key set generated here and served on
 * 127.0.0.1. Its tokens are accepted and `sub` becomes auth.user_id(); every malformed or mis-signed token is
 * refused with Neon's message.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { neon, NeonDbError } from '@neondatabase/serverless';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addProvider } from '../../src/rls/providers.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createAppOwner, PASSWORD_PATH_ON, signUp, sqlUrls } from './support.js';
import { createProject } from '../../src/projects/projects.js';

let t: TestServer;
let urls: ReturnType<typeof sqlUrls>;
let jwksServer: http.Server;
let privateKey: CryptoKey;
let publicJwk: Record<string, unknown>;
const KID = 'test-rsa-1';
const AUDIENCE = 'my-app';

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  jwksServer = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  t = await startTestServer({ env: PASSWORD_PATH_ON });
  await createAppOwner(t);
  urls = sqlUrls(t);
  await addProvider(
    t.server.ctx.db,
    t.projectId,
    `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`,
    AUDIENCE,
  );
  await neon(urls.databaseUrl).query('CREATE EXTENSION IF NOT EXISTS pg_session_jwt');
});

afterAll(async () => {
  await t?.stop();
  await new Promise((resolve) => jwksServer?.close(resolve));
});

function token(claims: Record<string, unknown> = {}, header: Record<string, unknown> = { alg: 'RS256', kid: KID }) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: 'user_ext_1', aud: AUDIENCE, iat: now, exp: now + 300, ...claims })
    .setProtectedHeader(header as { alg: string })
    .sign(privateKey);
}

async function refusal(jwt: string): Promise<NeonDbError> {
  const error = await neon(urls.databaseAuthenticatedUrl, { authToken: jwt })`SELECT auth.user_id()`.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(NeonDbError);
  expect((error as NeonDbError).code).toBe('');
  return error as NeonDbError;
}

function part(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('external RS256 provider', () => {
  it('accepts its token and makes sub the user ID', async () => {
    const sql = neon(urls.databaseAuthenticatedUrl, { authToken: await token({ org: 'acme' }) });
    expect(await sql`SELECT auth.user_id() AS uid, auth.session()->>'org' AS org`).toEqual([{ uid: 'user_ext_1', org: 'acme' }]);
  });

  it('refuses an unknown kid', async () => {
    expect((await refusal(await token({}, { alg: 'RS256', kid: 'nope' }))).message).toBe('jwk not found');
  });

  it('refuses a missing kid', async () => {
    expect((await refusal(await token({}, { alg: 'RS256' }))).message).toBe('missing key id');
  });

  it('refuses a wrong audience', async () => {
    expect((await refusal(await token({ aud: 'another-app' }))).message).toBe('invalid JWT token audience');
  });

  it('refuses an expired token (beyond the 30 s leeway)', async () => {
    const exp = Math.floor(Date.now() / 1000) - 31;
    expect((await refusal(await token({ exp }))).message).toBe(`JWT token has expired (exp=${exp})`);
  });

  it('accepts a token expired within the leeway', async () => {
    const sql = neon(urls.databaseAuthenticatedUrl, { authToken: await token({ exp: Math.floor(Date.now() / 1000) - 5 }) });
    expect(await sql`SELECT auth.user_id() AS uid`).toEqual([{ uid: 'user_ext_1' }]);
  });

  it('refuses alg none', async () => {
    const jwt = `${part({ alg: 'none', kid: KID })}.${part({ sub: 'user_ext_1', aud: AUDIENCE })}.`;
    expect((await refusal(jwt)).message).toBe('Provided authentication token is not a valid JWT encoding');
  });

  it('refuses HS256 signed with the public key', async () => {
    const header = part({ alg: 'HS256', kid: KID });
    const payload = part({ sub: 'user_ext_1', aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300 });
    const mac = createHmac('sha256', JSON.stringify(publicJwk)).update(`${header}.${payload}`).digest('base64url');
    expect((await refusal(`${header}.${payload}.${mac}`)).message).toBe('signature algorithm not supported');
  });

  it('refuses a tampered payload', async () => {
    const [h, , s] = (await token()).split('.');
    const forged = part({ sub: 'user_admin', aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300 });
    expect((await refusal(`${h}.${forged}.${s}`)).message).toBe('invalid JWT signature');
  });

  it('refuses garbage as not a valid JWT encoding', async () => {
    expect((await refusal('not-a-jwt')).message).toBe('Provided authentication token is not a valid JWT encoding');
  });

  it('never lets a token of project A into project B', async () => {
    const { project: b } = await createProject(t.server.ctx.db, t.server.ctx.box, { displayName: 'B' });
    const other = urls.databaseAuthenticatedUrl.replace(t.projectId, b.id);
    // A's external provider is not B's …
    expect(((await neon(other, { authToken: await token() })`SELECT 1`.catch((e: unknown) => e)) as NeonDbError).message).toBe(
      'jwk not found',
    );
    // … nor are A's own keys.
    const user = await signUp(t, 'carol@example.com');
    expect(((await neon(other, { authToken: user.accessToken })`SELECT 1`.catch((e: unknown) => e)) as NeonDbError).message).toBe(
      'jwk not found',
    );
  });
});
