/**
 * Shared set-up of the policy optimizer's tests: drizzle-kit's CREATE POLICY statements generated from drizzle-orm's
 * own `crudPolicy`/`authUid`, and the actors whose view of a table the tests compare before and after a rewrite
 * (users through /sql with the Neon driver, and a session with no identity at all).
 */
import { neon, NeonDbError } from '@neondatabase/serverless';
import { getTableConfig, PgDialect, type PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { TestServer } from '../helpers/server.js';
import { endUserClientConfig } from './support.js';

const dialect = new PgDialect();

/**
 * The statements drizzle-kit 0.31 emits for a table's policies (`CREATE POLICY "<name>" ON "<table>" AS PERMISSIVE
 * FOR <op> TO "<role>" USING (…) WITH CHECK (…)`), with the expressions rendered by drizzle-orm itself.
 */
export function drizzleKitPolicies(table: PgTable): string[] {
  const config = getTableConfig(table);
  return config.policies.map((policy) => {
    const to: unknown[] = [policy.to ?? 'public'].flat();
    const roles = to.map((role) => `"${typeof role === 'string' ? role : (role as { name: string }).name}"`).join(', ');
    const using = policy.using ? ` USING (${dialect.sqlToQuery(policy.using).sql})` : '';
    const withCheck = policy.withCheck ? ` WITH CHECK (${dialect.sqlToQuery(policy.withCheck).sql})` : '';
    return `CREATE POLICY "${policy.name}" ON "${config.name}" AS ${(policy.as ?? 'permissive').toUpperCase()} FOR ${(policy.for ?? 'all').toUpperCase()} TO ${roles}${using}${withCheck}`;
  });
}

/** One way of sending SQL as someone: rows, or the SQLSTATE of the error. */
export interface Actor {
  name: string;
  run(text: string, params?: unknown[]): Promise<Record<string, unknown>[] | { error: string }>;
  close(): Promise<void>;
}

/** A user through /sql: `neon(url, { authToken })`. */
export function driverActor(name: string, url: string, token: string): Actor {
  const sql = neon(url, { authToken: token });
  return {
    name,
    run: async (text, params = []) => {
      try {
        return await sql.query(text, params);
      } catch (error) {
        if (error instanceof NeonDbError) return { error: error.code ?? 'unknown' };
        throw error;
      }
    },
    close: async () => undefined,
  };
}

/**
 * A session as `authenticated` on a connection authsync did not open: the readers answer NULL, as pg_session_jwt
 * does without a token (the NULL semantics of every comparison).
 */
export async function noIdentityActor(t: TestServer): Promise<Actor> {
  const url = new URL(t.databaseUrl!);
  const client = new pg.Client({
    host: url.hostname,
    port: Number(url.port || 5432),
    database: url.pathname.slice(1),
    ...endUserClientConfig(t),
  });
  await client.connect();
  return {
    name: 'no identity',
    run: async (text, params = []) => {
      try {
        return (await client.query(text, params)).rows as Record<string, unknown>[];
      } catch (error) {
        return { error: (error as { code?: string }).code ?? 'unknown' };
      }
    },
    close: () => client.end(),
  };
}

/** The deparsed USING and WITH CHECK of every policy on `table`, by policy name. */
export async function storedPolicies(
  ownerUrl: string,
  table: string,
): Promise<Record<string, { using: string | null; withCheck: string | null }>> {
  const client = new pg.Client(ownerUrl);
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; using: string | null; with_check: string | null }>(
      `SELECT polname AS name, pg_get_expr(polqual, polrelid) AS using, pg_get_expr(polwithcheck, polrelid) AS with_check
       FROM pg_policy WHERE polrelid = $1::regclass ORDER BY polname`,
      [table],
    );
    return Object.fromEntries(rows.map((r) => [r.name, { using: r.using, withCheck: r.with_check }]));
  } finally {
    await client.end();
  }
}
