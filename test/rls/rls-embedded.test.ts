/**
 * The kit and /sql in embedded (PGlite) mode: the same app code works, policies apply, and the escapes the server
 * can see (leaving the role) abort the request. Not a security boundary; see docs/rls.md.
 */
import type { NeonDbError } from '@neondatabase/serverless';
import { neon } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { startTodosFixture, type sqlUrls, type TestUser } from './support.js';

let t: TestServer;
let urls: ReturnType<typeof sqlUrls>;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  ({ t, urls, alice, bob } = await startTodosFixture({ mode: 'pglite' }));
});

afterAll(async () => {
  await t?.stop();
});

describe('embedded mode', () => {
  it('applies the policies per user', async () => {
    const asAlice = neon(urls.databaseAuthenticatedUrl, { authToken: alice.accessToken });
    const asBob = neon(urls.databaseAuthenticatedUrl, { authToken: bob.accessToken });
    await asAlice`INSERT INTO todos (task) VALUES ('alice 1')`;
    await asBob`INSERT INTO todos (task) VALUES ('bob 1')`;
    expect(await asAlice`SELECT task, user_id FROM todos`).toEqual([{ task: 'alice 1', user_id: alice.id }]);
    expect(await asBob`SELECT task FROM todos`).toEqual([{ task: 'bob 1' }]);
    const error = await asAlice`INSERT INTO todos (task, user_id) VALUES ('x', ${bob.id})`.catch((e: unknown) => e);
    expect((error as NeonDbError).code).toBe('42501');
  });

  it('returns real type OIDs and Neon errors', async () => {
    const asAlice = neon(urls.databaseAuthenticatedUrl, { authToken: alice.accessToken });
    const result = await asAlice.query('SELECT 1::int AS n, true AS b', [], { fullResults: true });
    expect(result.fields.map((f) => f.dataTypeID)).toEqual([23, 16]);
    expect(result.rows).toEqual([{ n: 1, b: true }]);
    expect(((await asAlice`SELECT 1/0`.catch((e: unknown) => e)) as NeonDbError).code).toBe('22012');
  });

  it('aborts a batch that leaves its role, before any further statement runs', async () => {
    const asAlice = neon(urls.databaseAuthenticatedUrl, { authToken: alice.accessToken });
    const error = await asAlice.transaction((tx) => [tx`RESET ROLE`, tx`SELECT task FROM todos`]).catch((e: unknown) => e);
    expect((error as NeonDbError).message).toMatch(/changed the role or identity/);
    expect(await asAlice`SELECT current_user AS r, auth.user_id() AS uid`).toEqual([{ r: 'authenticated', uid: alice.id }]);
  });

  it("leaves no identity behind: the owner's next request, without a token, finds none (auth.user_id() is NULL)", async () => {
    const asAlice = neon(urls.databaseAuthenticatedUrl, { authToken: alice.accessToken });
    const owner = neon(urls.databaseUrl);
    expect(await asAlice`SELECT auth.user_id() AS uid`).toEqual([{ uid: alice.id }]);
    expect(await owner`SELECT auth.user_id() AS uid, auth.session() AS s`).toEqual([{ uid: null, s: null }]);
    // Also after a request that failed halfway.
    await asAlice.transaction((tx) => [tx`SELECT auth.user_id()`, tx`SELECT 1/0`]).catch(() => undefined);
    expect(await owner`SELECT auth.user_id() AS uid`).toEqual([{ uid: null }]);
  });
});
