/**
 * Signing-key rotation: a token signed before `authsync keys rotate` still verifies (with jose's
 * createRemoteJWKSet and with /users/me) until it expires; new tokens carry the new kid, which the JWKS published
 * before the rotation (the next key); the JWKS lists the keys' public parts only. The first rotation goes through the real CLI, against the server's database.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { rotateSigningKeys } from '../../src/projects/signing-keys.js';
import { runCli } from '../cli/run-cli.js';
import { api, type TestServer, useTestServer } from '../helpers/server.js';
import { decodeHeader, expectKnownError, signIn, signUp, withToken } from './support.js';

async function publishedKids(t: TestServer): Promise<string[]> {
  const res = await fetch(`${t.apiUrl}/projects/${t.projectId}/.well-known/jwks.json`);
  const text = await res.text();
  expect(text).not.toMatch(/"d"/);
  return (JSON.parse(text) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
}

describe('signing-key rotation', () => {
  const t = useTestServer({ mode: 'postgres' });

  it('old tokens keep verifying after `authsync keys rotate`; new ones use the new kid', async () => {
    const alice = await signUp(t);
    const oldKid = decodeHeader(alice.accessToken).kid as string;
    // The signing key and the next one, published before it signs.
    const before = await publishedKids(t);
    expect(before).toHaveLength(2);
    expect(before).toContain(oldKid);
    const nextKid = before.find((kid) => kid !== oldKid)!;

    const cli = await runCli([
      'keys',
      'rotate',
      '--project',
      t.projectId,
      '--database-url',
      t.databaseUrl!,
      '--data-dir',
      t.dataDir,
      '--json',
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    const rotated = JSON.parse(cli.stdout) as { projectId: string; newKeyIds: string[] };
    expect(rotated.projectId).toBe(t.projectId);
    expect(rotated.newKeyIds).toHaveLength(3); // one per audience: normal, restricted and anonymous users

    // The running server hears of the rotation (NOTIFY) and signs with the new key at once.
    const fresh = await signIn(t, alice.email);
    expect(fresh.status).toBe(200);
    const newKid = decodeHeader(fresh.json.access_token as string).kid as string;
    expect(newKid).not.toBe(oldKid);
    expect(newKid).toBe(nextKid);
    expect(rotated.newKeyIds).toContain(newKid);

    // The old key for its overlap, the new signing key, and a new next key.
    const kids = await publishedKids(t);
    expect(kids).toHaveLength(3);
    expect(kids).toEqual(expect.arrayContaining([oldKid, newKid]));

    // Both tokens verify, with a fresh jose JWKS client and with one that cached the old set.
    const jwks = createRemoteJWKSet(new URL(`${t.apiUrl}/projects/${t.projectId}/.well-known/jwks.json`));
    for (const token of [alice.accessToken, fresh.json.access_token as string]) {
      const { payload } = await jwtVerify(token, jwks, { audience: t.projectId });
      expect(payload.sub).toBe(alice.userId);
      const me = await api(t, 'GET', '/users/me', { headers: withToken(t, token) });
      expect(me.status).toBe(200);
      expect(me.json.id).toBe(alice.userId);
    }
    // Refreshing an old session gives a token with the new kid.
    const refreshed = await api(t, 'POST', '/auth/sessions/current/refresh', {
      headers: withToken(t, alice.accessToken, { 'x-stack-refresh-token': alice.refreshToken }),
    });
    expect(decodeHeader(refreshed.json.access_token as string).kid).toBe(newKid);
  });

  it('a jose client that cached the old JWKS picks up the new key', async () => {
    const jwks = createRemoteJWKSet(new URL(`${t.apiUrl}/projects/${t.projectId}/.well-known/jwks.json`), { cooldownDuration: 0 });
    const before = await signUp(t);
    await jwtVerify(before.accessToken, jwks, { audience: t.projectId });
    await rotateSigningKeys(t.server.ctx.db, t.server.ctx.box, t.projectId, 900);
    const after = await signIn(t, before.email);
    expect(decodeHeader(after.json.access_token as string).kid).not.toBe(decodeHeader(before.accessToken).kid);
    const { payload } = await jwtVerify(after.json.access_token as string, jwks, { audience: t.projectId });
    expect(payload.sub).toBe(before.userId);
    await jwtVerify(before.accessToken, jwks, { audience: t.projectId });
  });

  it('a retired key stops verifying once its overlap ends, and leaves the JWKS', async () => {
    const alice = await signUp(t);
    const kid = decodeHeader(alice.accessToken).kid as string;
    await rotateSigningKeys(t.server.ctx.db, t.server.ctx.box, t.projectId, 900);
    // Signed by the old key but still within its overlap: fine. Then end the overlap (as time would).
    expect((await api(t, 'GET', '/users/me', { headers: withToken(t, alice.accessToken) })).status).toBe(200);
    await t.server.ctx.db.query("UPDATE authsync.signing_keys SET publish_until = now() - interval '1 second' WHERE kid = $1", [kid]);
    t.server.ctx.directory.invalidate(t.projectId);
    expect(await publishedKids(t)).not.toContain(kid);
    expectKnownError(await api(t, 'GET', '/users/me', { headers: withToken(t, alice.accessToken) }), 'UNPARSABLE_ACCESS_TOKEN', 401);
    // Tokens of the active key are unaffected.
    const fresh = await signIn(t, alice.email);
    expect((await api(t, 'GET', '/users/me', { headers: withToken(t, fresh.json.access_token as string) })).status).toBe(200);
  });

  it('the CLI refuses an unknown project and an unknown kind, exit code 1', async () => {
    const unknown = await runCli([
      'keys',
      'rotate',
      '--project',
      '00000000-0000-4000-8000-000000000000',
      '--database-url',
      t.databaseUrl!,
      '--data-dir',
      t.dataDir,
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No project/);
    const kind = await runCli([
      'keys',
      'rotate',
      '--project',
      t.projectId,
      '--kind',
      'nope',
      '--database-url',
      t.databaseUrl!,
      '--data-dir',
      t.dataDir,
    ]);
    expect(kind.code).toBe(1);
    expect(kind.stderr).toMatch(/Unknown key kind/);
  });
});
