/**
 * Secrets at rest: after sign-ups, sign-ins, refreshes and a key rotation, no table of the database holds a
 * refresh token, a secret server or super secret admin key, a password, or the private part (`d`) of a
 * signing key in plaintext. The publishable client key is kept only sealed (and hashed).
 */
import { expect, it } from 'vitest';
import { rotateProjectKey } from '../../src/projects/projects.js';
import { rotateSigningKeys } from '../../src/projects/signing-keys.js';
import { api, describeOnEachStore, serverHeaders, type TestServer } from '../helpers/server.js';
import { raw, signIn, signUp } from '../api/support.js';

/** Every row of every user table in the database, as JSON text. */
async function dumpDatabase(t: TestServer): Promise<string> {
  const db = t.server.ctx.db;
  const { rows: tables } = await db.query<{ schema: string; name: string }>(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
  );
  expect(tables.map((x) => x.name)).toEqual(expect.arrayContaining(['users', 'refresh_tokens', 'project_keys', 'signing_keys']));
  let dump = '';
  for (const { schema, name } of tables) {
    const { rows } = await db.query<{ row: string }>(`SELECT row_to_json(x)::text AS row FROM "${schema}"."${name}" x`);
    dump += rows.map((r) => r.row).join('\n') + '\n';
  }
  return dump;
}

describeOnEachStore('secrets at rest on %s', (t) => {
  it('the database holds no plaintext bearer secret, password or private key', async () => {
    const secrets: Record<string, string> = {
      'secret server key': t.keys.secretServerKey,
      'super secret admin key': t.keys.superSecretAdminKey,
    };
    const password = 'a very distinctive password';
    for (let i = 0; i < 3; i++) {
      const user = await signUp(t, undefined, password);
      secrets[`refresh token ${i}`] = user.refreshToken;
      const again = await signIn(t, user.email, password);
      secrets[`refresh token ${i}b`] = again.json.refresh_token as string;
    }
    secrets.password = password;
    const session = await api(t, 'POST', '/auth/sessions', { headers: serverHeaders(t), body: { user_id: (await signUp(t)).userId } });
    secrets['server-created refresh token'] = session.json.refresh_token as string;
    const anon = await api(t, 'POST', '/auth/anonymous/sign-up');
    secrets['anonymous refresh token'] = anon.json.refresh_token as string;
    const refreshed = await raw(t, 'POST', '/auth/oauth/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: secrets['refresh token 0']!,
        client_id: t.projectId,
        client_secret: t.keys.publishableClientKey,
      }).toString(),
    });
    expect(refreshed.status).toBe(200);
    secrets['rotated secret server key'] = await rotateProjectKey(t.server.ctx.db, t.server.ctx.box, t.projectId, 'secret_server');
    await rotateSigningKeys(t.server.ctx.db, t.server.ctx.box, t.projectId, 600);

    // The private scalars of every signing key, old and new.
    const { rows: keyRows } = await t.server.ctx.db.query<{ kid: string; private_key_enc: string }>(
      'SELECT kid, private_key_enc FROM authsync.signing_keys WHERE project_id = $1',
      [t.projectId],
    );
    // Three audiences (users, restricted users, anonymous users), each with a signing key, a pending one and the one
    // the rotation retired.
    expect(keyRows.length).toBe(9);
    for (const row of keyRows) {
      const jwk = JSON.parse(t.server.ctx.box.open(row.private_key_enc)) as { d: string };
      expect(jwk.d).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      secrets[`private key ${row.kid}`] = jwk.d;
    }

    const dump = await dumpDatabase(t);
    for (const [name, secret] of Object.entries(secrets)) {
      expect(secret.length, name).toBeGreaterThan(10);
      expect(dump.includes(secret), `${name} is stored in plaintext`).toBe(false);
    }
    expect(dump).not.toMatch(/"d"\s*:/);
    // The publishable key is stored sealed (it is public by design, so it can be shown again), never in clear.
    expect(dump.includes(t.keys.publishableClientKey)).toBe(false);
    const { rows: pck } = await t.server.ctx.db.query<{ key_enc: string }>(
      "SELECT key_enc FROM authsync.project_keys WHERE project_id = $1 AND kind = 'publishable_client'",
      [t.projectId],
    );
    expect(pck).toHaveLength(1);
    expect(pck[0]!.key_enc).toMatch(/^v1\./);
    expect(t.server.ctx.box.open(pck[0]!.key_enc)).toBe(t.keys.publishableClientKey);
    const { rows: others } = await t.server.ctx.db.query(
      "SELECT 1 FROM authsync.project_keys WHERE kind <> 'publishable_client' AND key_enc IS NOT NULL",
    );
    expect(others).toHaveLength(0);
  });

  it('the JWKS publishes public parts only', async () => {
    const res = await fetch(`${t.apiUrl}/projects/${t.projectId}/.well-known/jwks.json?include_anonymous=true`);
    const text = await res.text();
    const { keys } = JSON.parse(text) as { keys: Array<Record<string, unknown>> };
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    }
    expect(text).not.toMatch(/"d"/);
  });
});
