/**
 * Access tokens are accepted only as ES256 signed by a key of the project: the token never chooses the
 * algorithm or the key. alg:none, HS256 keyed with the public JWK (the classic confusion attack), RS256,
 * an embedded `jwk` header, and ES256 with a foreign key under our kid are all UNPARSABLE_ACCESS_TOKEN.
 */
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import * as jose from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, useTestServer } from '../helpers/server.js';
import { decodeHeader, decodePayload, expectKnownError, signUp, withToken } from '../api/support.js';

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('JWT algorithm pinning', () => {
  const t = useTestServer({ mode: 'postgres' });
  let payload: Record<string, unknown>;
  let kid: string;
  let publicJwk: Record<string, unknown>;
  let genuine: string;

  beforeAll(async () => {
    const alice = await signUp(t);
    genuine = alice.accessToken;
    payload = decodePayload(genuine);
    kid = decodeHeader(genuine).kid as string;
    const jwks = (await (await fetch(`${t.apiUrl}/projects/${t.projectId}/.well-known/jwks.json`)).json()) as {
      keys: Array<Record<string, unknown>>;
    };
    publicJwk = jwks.keys.find((k) => k.kid === kid)!;
    expect(publicJwk).toBeDefined();
  });

  async function expectRejected(token: string) {
    const res = await api(t, 'GET', '/users/me', { headers: withToken(t, token) });
    expectKnownError(res, 'UNPARSABLE_ACCESS_TOKEN', 401);
  }

  it('the genuine token works (control)', async () => {
    const res = await api(t, 'GET', '/users/me', { headers: withToken(t, genuine) });
    expect(res.status).toBe(200);
    expect(decodeHeader(genuine)).toEqual({ alg: 'ES256', kid });
  });

  it('refuses alg:none, with and without a signature', async () => {
    for (const alg of ['none', 'None', 'NONE']) {
      await expectRejected(`${b64({ alg, kid })}.${b64(payload)}.`);
      await expectRejected(`${b64({ alg, kid })}.${b64(payload)}.${genuine.split('.')[2]}`);
    }
  });

  it('refuses HS256 keyed with the published public key (algorithm confusion)', async () => {
    const secrets = [JSON.stringify(publicJwk), String(publicJwk.x), t.keys.publishableClientKey, t.keys.secretServerKey];
    for (const secret of secrets) {
      for (const alg of ['HS256', 'HS384', 'HS512']) {
        const input = `${b64({ alg, kid, typ: 'JWT' })}.${b64(payload)}`;
        const mac = createHmac(`sha${alg.slice(2)}`, secret)
          .update(input)
          .digest('base64url');
        await expectRejected(`${input}.${mac}`);
      }
    }
  });

  it('refuses RS256, ES384 and ES256 with an attacker key (under our kid or an embedded jwk)', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsInput = `${b64({ alg: 'RS256', kid })}.${b64(payload)}`;
    await expectRejected(`${rsInput}.${sign('sha256', Buffer.from(rsInput), rsa.privateKey).toString('base64url')}`);

    const attacker = await jose.generateKeyPair('ES256');
    const attackerJwk = await jose.exportJWK(attacker.publicKey);
    await expectRejected(await new jose.SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid }).sign(attacker.privateKey));
    await expectRejected(
      await new jose.SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid, jwk: attackerJwk }).sign(attacker.privateKey),
    );
    await expectRejected(await new jose.SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: 'attacker' }).sign(attacker.privateKey));

    const p384 = await jose.generateKeyPair('ES384');
    await expectRejected(await new jose.SignJWT(payload).setProtectedHeader({ alg: 'ES384', kid }).sign(p384.privateKey));
  });

  it('refuses a genuine signature over a changed payload or header', async () => {
    const [h, , s] = genuine.split('.') as [string, string, string];
    await expectRejected(`${h}.${b64({ ...payload, sub: '00000000-0000-4000-8000-000000000000' })}.${s}`);
    await expectRejected(`${b64({ alg: 'ES256', kid, typ: 'JWT' })}.${genuine.split('.')[1]}.${s}`);
    // A DER-encoded signature (what some libraries emit) is not the JWS form.
    await expectRejected(
      `${h}.${genuine.split('.')[1]}.${Buffer.concat([Buffer.from([0x30, 0x44]), Buffer.from(s, 'base64url')]).toString('base64url')}`,
    );
  });

  it('jose, the verifier of record, agrees: our tokens verify as ES256 only', async () => {
    const jwks = jose.createLocalJWKSet({ keys: [publicJwk as jose.JWK] });
    const { protectedHeader } = await jose.jwtVerify(genuine, jwks, { audience: t.projectId, algorithms: ['ES256'] });
    expect(protectedHeader.alg).toBe('ES256');
    await expect(jose.jwtVerify(genuine, jwks, { audience: t.projectId, algorithms: ['RS256'] })).rejects.toThrow();
  });
});
