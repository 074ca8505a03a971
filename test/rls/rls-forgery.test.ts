/**
 * Identity cannot be forged: every attack, sent by Alice through /sql inside sql.transaction, leaves her unable to
 * read or write a single row of Bob's. And nothing one request sets survives into the next on the same connection.
 */
import type { NeonQueryFunction } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { loginOf, startTodosFixture, type TestUser } from './support.js';
import { openEndUserConnection } from '../../src/rls/role-connection.js';

let t: TestServer;
let alice: TestUser;
let bob: TestUser;
let asAlice: NeonQueryFunction<false, false>;
let asBob: NeonQueryFunction<false, false>;

beforeAll(async () => {
  ({ t, alice, bob, asAlice, asBob } = await startTodosFixture());
  await asBob`INSERT INTO todos (task) VALUES ('bob secret')`;
  await asAlice`INSERT INTO todos (task) VALUES ('alice own')`;
});

afterAll(async () => {
  await t?.stop();
});

/** The token the server installed for a request on Bob's connection, as it would appear to an observer. */
async function bobsSessionToken(): Promise<string> {
  // The installing statement binds the token as a parameter, so it never appears in pg_stat_activity; an attacker
  // who somehow saw it still holds only a token for Bob's backend and an already-used jti. Build the nearest thing:
  // a well-formed token with Bob's claims, signed with a key the attacker chose.
  const header = Buffer.from('{"alg":"HS256"}').toString('base64url');
  const payload = Buffer.from(JSON.stringify({ sub: bob.id, jti: 99_999_999 })).toString('base64url');
  const { createHmac } = await import('node:crypto');
  return `${header}.${payload}.${createHmac('sha256', 'guess').update(`${header}.${payload}`).digest('base64url')}`;
}

const attacks: [string, (bobToken: string) => string[]][] = [
  ['set_config of request.jwt.claims', () => [`SELECT set_config('request.jwt.claims', '{"sub":"${bob.id}"}', true)`]],
  ['set_config of pg_session_jwt.jwt', (tok) => [`SELECT set_config('pg_session_jwt.jwt', '${tok}', false)`]],
  [
    'set_config of pg_session_jwt.jwk',
    () => [`SELECT set_config('pg_session_jwt.jwk', '{"kty":"OKP","crv":"Ed25519","x":"AAAA"}', false)`],
  ],
  ['jwt_session_init with a made-up token', (tok) => [`SELECT auth.jwt_session_init('${tok}')`]],
  [
    'jwt_session_init with an unsigned token',
    () => [
      `SELECT auth.jwt_session_init('${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: bob.id, jti: 1e9 })).toString('base64url')}.')`,
    ],
  ],
  ['RESET ROLE', () => ['RESET ROLE']],
  ['SET ROLE to the owner', () => ['SET ROLE postgres']],
  ['SET SESSION AUTHORIZATION', () => ['SET SESSION AUTHORIZATION postgres']],
  ['SET ROLE anonymous', () => ['SET ROLE anonymous']],
  [
    'writing the identity tables',
    () => [
      `UPDATE authsync_rls.identities SET sub = '${bob.id}'`,
      `UPDATE authsync_rls.backend_sessions SET install_key_hash = sha256('x')`,
    ],
  ],
  [
    'registering a session key',
    () => [
      `SELECT authsync_rls.register_backend(pg_backend_pid(), NULL, 'authenticated', decode(repeat('00', 64), 'hex'), decode(repeat('00', 64), 'hex'), sha256('x'))`,
    ],
  ],
  [
    "installing Bob's identity without the connection's key",
    () => [`SELECT authsync_rls.use_identity(sha256('guess'), id) FROM generate_series(1, 1000) AS id`],
  ],
  ['setting the identity slot', () => [`SELECT setval('authsync_rls.identity_slot', 1)`, `SELECT nextval('authsync_rls.identity_slot')`]],
  ['DISCARD SEQUENCES', () => ['DISCARD SEQUENCES']],
  ['shadowing auth.user_id in public', () => [`CREATE FUNCTION public.user_id() RETURNS text LANGUAGE sql AS $$ SELECT '${bob.id}' $$`]],
  [
    'shadowing auth.user_id in auth',
    () => [`CREATE OR REPLACE FUNCTION auth.user_id() RETURNS text LANGUAGE sql AS $$ SELECT '${bob.id}' $$`],
  ],
  [
    'a temporary auth-like function and search_path',
    () => [`SET search_path = pg_temp, public`, `CREATE FUNCTION pg_temp.user_id() RETURNS text LANGUAGE sql AS $$ SELECT '${bob.id}' $$`],
  ],
  ['DISCARD ALL and RESET ALL', () => ['DISCARD ALL', 'RESET ALL']],
  ['a DO block', () => [`DO $$ BEGIN PERFORM set_config('request.jwt.claims', '{"sub":"${bob.id}"}', false); END $$`]],
  ['disabling row security', () => ['SET row_security = off']],
  ['ALTER TABLE to drop the policy', () => ['ALTER TABLE todos DISABLE ROW LEVEL SECURITY']],
];

describe("forgery attempts inside sql.transaction read and write nothing of Bob's", () => {
  for (const [name, statements] of attacks) {
    it(name, async () => {
      const token = await bobsSessionToken();
      // Each attack statement alone (so a refused statement does not hide the next), then the reads and writes.
      for (const statement of statements(token)) {
        const outcome = await asAlice
          .transaction((tx) => [tx.query(statement), tx`SELECT task FROM todos`, tx`SELECT auth.user_id() AS uid`])
          .catch((error: unknown) => error);
        if (Array.isArray(outcome)) {
          expect(outcome[1]).toEqual([{ task: 'alice own' }]);
          expect(outcome[2]).toEqual([{ uid: alice.id }]);
        }
      }
      const all = statements(token);
      const combined = await asAlice
        .transaction((tx) => [
          ...all.map((s) => tx.query(s)),
          tx`SELECT task FROM todos WHERE user_id = ${bob.id}`,
          tx`UPDATE todos SET task = 'pwned' WHERE user_id = ${bob.id}`,
          tx`DELETE FROM todos WHERE user_id = ${bob.id}`,
          tx`SELECT auth.user_id() AS uid`,
        ])
        .catch((error: unknown) => error);
      if (Array.isArray(combined)) {
        expect(combined[all.length]).toEqual([]);
        expect(combined[all.length + 3]).toEqual([{ uid: alice.id }]);
      }
      expect(await asBob`SELECT task FROM todos`).toEqual([{ task: 'bob secret' }]);
      expect(await asAlice`SELECT auth.user_id() AS uid`).toEqual([{ uid: alice.id }]);
    });
  }

  it('a session token is refused when replayed on its backend or used on another one', async () => {
    const target = {
      host: '127.0.0.1',
      port: Number(new URL(t.databaseUrl!).port || 5432),
      database: new URL(t.databaseUrl!).pathname.slice(1),
      password: 'unused-under-trust',
    };
    const a = await openEndUserConnection({ ...target, login: loginOf(t) }, t.server.ctx.db);
    const b = await openEndUserConnection({ ...target, login: loginOf(t) }, t.server.ctx.db);
    try {
      const first = a.sessionKey!.mint({ sub: alice.id });
      await a.client.query('SELECT auth.jwt_session_init($1)', [first]);
      await a.client.query('SELECT auth.jwt_session_init($1)', [a.sessionKey!.mint({ sub: alice.id })]);
      await expect(a.client.query('SELECT auth.jwt_session_init($1)', [first])).rejects.toThrow(
        'Token ID must be strictly monotonically increasing.',
      );
      const forB = b.sessionKey!.mint({ sub: bob.id });
      await expect(a.client.query('SELECT auth.jwt_session_init($1)', [forB])).rejects.toThrow('invalid JWT signature');
      expect((await a.client.query('SELECT auth.user_id() AS uid')).rows).toEqual([{ uid: alice.id }]);
    } finally {
      await a.client.end();
      await b.client.end();
    }
  });
});

describe('pooled connections carry nothing from one request to the next', () => {
  it('a setting, a search_path and a temp table set by one request are gone in the next', async () => {
    // Several rounds so that requests land on the same pooled connection.
    for (let i = 0; i < 5; i++) {
      await asAlice.transaction((tx) => [
        tx`SELECT set_config('app.leak', 'from-alice', false)`,
        tx`SET search_path = pg_temp`,
        tx`CREATE TEMP TABLE IF NOT EXISTS leak (x int)`,
      ]);
      const [row] =
        await asBob`SELECT current_setting('app.leak', true) AS leak, current_setting('search_path') AS path, to_regclass('pg_temp.leak') AS t, auth.user_id() AS uid, pg_backend_pid() AS pid`;
      // RESET ALL leaves a placeholder setting defined but empty, as on Neon.
      expect(row!.leak ?? '').toBe('');
      expect(row).toMatchObject({ path: '"$user", public', t: null, uid: bob.id });
    }
  });
});
