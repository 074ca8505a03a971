/**
 * Runs a /sql request on a PostgreSQL connection: each query with the extended protocol (unnamed statement, text
 * parameters of unspecified type, text results), so one statement per query; a batch inside START TRANSACTION …
 * COMMIT, rolled back at the first error.
 */
import type pg from 'pg';
import { rawTextTypes } from '../rls/role-connection.js';
import type { IsolationLevel, SqlQuery, SqlRequest } from './request.js';
import type { QueryOutcome } from './results.js';

const ISOLATION_SQL: Record<IsolationLevel, string> = {
  ReadUncommitted: 'READ UNCOMMITTED',
  ReadCommitted: 'READ COMMITTED',
  RepeatableRead: 'REPEATABLE READ',
  Serializable: 'SERIALIZABLE',
};

export function startTransactionSql(request: Pick<SqlRequest, 'isolationLevel' | 'readOnly' | 'deferrable'>): string {
  const modes: string[] = [];
  if (request.isolationLevel) modes.push(`ISOLATION LEVEL ${ISOLATION_SQL[request.isolationLevel]}`);
  if (request.readOnly) modes.push('READ ONLY');
  if (request.deferrable) modes.push('DEFERRABLE');
  return `START TRANSACTION${modes.length ? ` ${modes.join(', ')}` : ''}`;
}

export async function runQuery(client: pg.Client, query: SqlQuery): Promise<QueryOutcome> {
  if (query.synthetic) return query.synthetic;
  const config = { text: query.query, values: query.params, rowMode: 'array', queryMode: 'extended', types: rawTextTypes } as pg.QueryArrayConfig;
  const result = await client.query(config);
  return {
    fields: result.fields.map((f) => ({
      name: f.name,
      dataTypeID: f.dataTypeID,
      tableID: f.tableID,
      columnID: f.columnID,
      dataTypeSize: f.dataTypeSize,
      dataTypeModifier: f.dataTypeModifier,
    })),
    rows: result.rows as (string | null)[][],
    command: result.command ?? '',
    rowCount: typeof result.rowCount === 'number' ? result.rowCount : null,
  };
}

/** Runs the request; `afterEach` may throw to abort (used to catch identity escapes). */
export async function executeOnClient(client: pg.Client, request: SqlRequest): Promise<QueryOutcome[]> {
  if (!request.batch) return [await runQuery(client, request.queries[0]!)];
  await client.query(startTransactionSql(request));
  try {
    const results: QueryOutcome[] = [];
    for (const query of request.queries) results.push(await runQuery(client, query));
    await client.query('COMMIT');
    return results;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
