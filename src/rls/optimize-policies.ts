/**
 * `authsync rls optimize`: every policy of a database whose USING or WITH CHECK holds the correlated identity
 * comparison drizzle-orm's `authUid` generates is rewritten to the InitPlan form (optimize-pattern.ts) with
 * `ALTER POLICY`, all in one transaction. Running it again changes nothing: the InitPlan form has no correlated
 * subquery left to match.
 */
import type { Database, Queryable } from '../db/database.js';
import { quoteIdent } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { initPlanFormSql, readsIdentityPerRow } from './optimize-pattern.js';

/** A clause of a policy, as PostgreSQL deparses it before and after the rewrite. */
export interface ClauseChange {
  before: string;
  after: string;
}

export interface PolicyRef {
  schema: string;
  table: string;
  policy: string;
}

export interface PolicyRewrite extends PolicyRef {
  using: ClauseChange | null;
  withCheck: ClauseChange | null;
}

/** A policy that still reads the identity per row after the rewrite: a form it does not recognise, left as it is. */
export interface UnrecognisedPolicy extends PolicyRef {
  using: string | null;
  withCheck: string | null;
}

export interface OptimizeReport {
  rewritten: PolicyRewrite[];
  unrecognised: UnrecognisedPolicy[];
  dryRun: boolean;
}

export interface PolicyRow {
  schema: string;
  table: string;
  policy: string;
  /** The table's oid, and its row count as estimated by the last ANALYZE (0 when never analyzed). */
  table_oid: number;
  rows: number;
  using: string | null;
  with_check: string | null;
  using_after: string | null;
  with_check_after: string | null;
}

/**
 * Policies with their clauses as deparsed and rewritten. The caller has set `search_path` to `pg_catalog, pg_temp`
 * (see withCanonicalDeparse): the deparse then qualifies every other name, which the rewrite's pattern expects and
 * which re-parses to the same objects.
 */
export async function readPolicies(db: Queryable, where = 'true', params: unknown[] = []): Promise<PolicyRow[]> {
  const { rows } = await db.query<PolicyRow>(
    `SELECT x.schema, x."table", x.policy, x.table_oid, x.rows, x."using", x.with_check,
            ${initPlanFormSql('x."using"')} AS using_after, ${initPlanFormSql('x.with_check')} AS with_check_after
     FROM (SELECT n.nspname AS schema, c.relname AS "table", p.polname AS policy, c.oid::int8 AS table_oid,
                  greatest(c.reltuples, 0)::int8 AS rows,
                  pg_get_expr(p.polqual, p.polrelid) AS "using", pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
           FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace) x
     WHERE ${where}
     ORDER BY x.schema, x."table", x.policy`,
    params,
  );
  return rows;
}

/** Runs `fn` in a transaction whose deparse is canonical (every name outside pg_catalog qualified). */
export async function withCanonicalDeparse<T>(db: Database, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query(`SET LOCAL search_path = pg_catalog, pg_temp`);
    return fn(tx);
  });
}

/** `ALTER POLICY` for the clauses the rewrite changed, or null when it changed none. */
export function alterPolicySql(row: PolicyRow): string | null {
  const clauses: string[] = [];
  if (row.using_after !== row.using) clauses.push(`USING (${row.using_after})`);
  if (row.with_check_after !== row.with_check) clauses.push(`WITH CHECK (${row.with_check_after})`);
  if (clauses.length === 0) return null;
  return `ALTER POLICY ${quoteIdent(row.policy)} ON ${quoteIdent(row.schema)}.${quoteIdent(row.table)} ${clauses.join(' ')}`;
}

/** Rewrites every correlated identity comparison in the database's policies (none with `dryRun`), in one transaction. */
export async function optimizePolicies(db: Database, options: { dryRun?: boolean } = {}): Promise<OptimizeReport> {
  const dryRun = options.dryRun ?? false;
  return withCanonicalDeparse(db, async (tx) => {
    const rows = await readPolicies(tx);
    const rewritten: PolicyRewrite[] = [];
    for (const row of rows) {
      const alter = alterPolicySql(row);
      if (!alter) continue;
      let after = row;
      if (!dryRun) {
        await tx.query(alter).catch((error: unknown) => rethrowPrivilege(error, row));
        // What PostgreSQL stored, deparsed again (it adds an alias to the subquery: `( SELECT auth.user_id() AS user_id)`).
        after = (await readPolicies(tx, 'x.schema = $1 AND x."table" = $2 AND x.policy = $3', [row.schema, row.table, row.policy]))[0]!;
      }
      rewritten.push({
        schema: row.schema,
        table: row.table,
        policy: row.policy,
        using: change(row.using, dryRun ? row.using_after : after.using),
        withCheck: change(row.with_check, dryRun ? row.with_check_after : after.with_check),
      });
    }
    const unrecognised = rows
      .map((row) => ({ ...row, using: row.using_after, withCheck: row.with_check_after }))
      .filter((row) => readsIdentityPerRow(row.using) || readsIdentityPerRow(row.withCheck))
      .map(({ schema, table, policy, using, withCheck }) => ({ schema, table, policy, using, withCheck }));
    return { rewritten, unrecognised, dryRun };
  });
}

function change(before: string | null, after: string | null): ClauseChange | null {
  return before === null || after === null || before === after ? null : { before, after };
}

/** A table the caller does not own: PostgreSQL's message, with what to do, instead of an internal error. */
function rethrowPrivilege(error: unknown, row: PolicyRef): never {
  const pgError = error as { code?: string; message?: string };
  if (pgError.code === '42501') {
    throw new AppError(
      'INSUFFICIENT_PRIVILEGE',
      403,
      `${pgError.message} (policy "${row.policy}" on ${row.schema}.${row.table}): run the command as the table's owner; nothing was changed.`,
      { cause: error },
    );
  }
  throw error;
}
