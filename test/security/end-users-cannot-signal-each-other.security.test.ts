/**
 * Every end user runs as the same role, and PostgreSQL lets a role cancel or terminate any backend of the same role:
 * through /sql, Alice could end Bob's queries (pids are in pg_stat_activity). The kit, installed by a superuser,
 * takes pg_cancel_backend and pg_terminate_backend away from PUBLIC; where it cannot, authsync says so.
 */
import { NeonDbError, type NeonQueryFunction } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlDatabaseFindings } from '../../src/sql/database-checks.js';
import type { TestServer } from '../helpers/server.js';
import { startTodosFixture, type TestUser } from '../rls/support.js';

let t: TestServer;
let asAlice: NeonQueryFunction<false, false>;
let asBob: NeonQueryFunction<false, false>;
let bob: TestUser;

beforeAll(async () => {
  ({ t, asAlice, asBob, bob } = await startTodosFixture());
});

afterAll(async () => {
  await t?.stop();
});

/**
 * Bob's backend while it runs a slow query. Alice sees every backend's pid in pg_stat_activity (and, after
 * `SET ROLE NONE`, the query text of the sessions of authsync's login role); the test finds it over the privileged
 * connection, which is quicker.
 */
async function bobsBackendWhileBusy(): Promise<{ pid: number; bobsQuery: Promise<unknown> }> {
  const bobsQuery = asBob`SELECT pg_sleep(1.5), auth.user_id() AS uid`.catch((e: unknown) => e);
  for (;;) {
    const { rows } = await t.server.ctx.db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(1.5)%' AND state = 'active' AND pid <> pg_backend_pid()`,
    );
    if (rows.length > 0) return { pid: Number(rows[0]!.pid), bobsQuery };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('end users cannot signal each other', () => {
  for (const fn of ['pg_terminate_backend', 'pg_cancel_backend']) {
    it(`${fn}(Bob's pid) run by Alice through /sql is refused, and Bob's query completes`, async () => {
      const { pid, bobsQuery } = await bobsBackendWhileBusy();
      const error = (await asAlice.query(`SELECT ${fn}($1)`, [pid]).catch((e: unknown) => e)) as NeonDbError;
      expect(error).toBeInstanceOf(NeonDbError);
      expect(error.code).toBe('42501');
      expect(error.message).toBe(`permission denied for function ${fn}`);
      expect(await bobsQuery).toEqual([{ pg_sleep: '', uid: bob.id }]);
    });
  }

  it('the installer (a superuser here) keeps the functions; the checks find nothing to warn about', async () => {
    const { rows } = await t.server.ctx.db.query<{ public_can: boolean }>(
      `SELECT has_function_privilege('authenticated', 'pg_catalog.pg_terminate_backend(integer, bigint)', 'EXECUTE')
           OR has_function_privilege('anonymous', 'pg_catalog.pg_cancel_backend(integer)', 'EXECUTE') AS public_can`,
    );
    expect(rows[0]!.public_can).toBe(false);
    expect((await sqlDatabaseFindings(t.server.sql, t.projectId))?.endUsersCanSignal).toBe(false);
  });

  it('where the functions are PUBLIC again (a kit installed by a non-superuser), the checks say so', async () => {
    await t.server.ctx.db.exec('GRANT EXECUTE ON FUNCTION pg_catalog.pg_cancel_backend(integer) TO PUBLIC');
    try {
      expect((await sqlDatabaseFindings(t.server.sql, t.projectId))?.endUsersCanSignal).toBe(true);
    } finally {
      await t.server.ctx.db.exec('REVOKE EXECUTE ON FUNCTION pg_catalog.pg_cancel_backend(integer) FROM PUBLIC');
    }
  });
});
