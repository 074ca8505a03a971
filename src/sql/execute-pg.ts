/**
 * Runs a /sql request on a PostgreSQL connection: each query with the extended protocol (unnamed statement, text
 * parameters of unspecified type, text results), so one statement per query; a batch inside START TRANSACTION …
 * COMMIT, rolled back at the first error, written in one packet. Rows are serialised to Neon's JSON as they arrive,
 * against the request's response budget (results.ts), never buffered as rows.
 */
import pg from 'pg';
import { rawTextTypes } from '../rls/role-connection.js';
import type { IsolationLevel, SqlQuery, SqlRequest } from './request.js';
import { RowCollector, type QueryOutcome, type ResponseBudget } from './results.js';

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

/**
 * Issues the queries `issue` sends in one socket write: on a connection in pipeline mode each query is written as
 * soon as it is issued, so holding the socket corked meanwhile puts them all in one packet (one round trip).
 */
export function inOneWrite<T>(client: pg.Client, issue: () => T): T {
  const stream = (client as unknown as { connection: { stream: { cork(): void; uncork(): void } } }).connection.stream;
  stream.cork();
  try {
    return issue();
  } finally {
    stream.uncork();
  }
}

/**
 * Runs one query, its rows serialised into `rows` as they arrive (node-postgres keeps none of them: a `row` listener
 * and no callback turn its own accumulation off). Issued synchronously, so that it joins the caller's write.
 */
export function runQuery(client: pg.Client, query: SqlQuery, rows: RowCollector): Promise<QueryOutcome> {
  if (query.synthetic) return Promise.resolve(query.synthetic);
  const config = {
    text: query.query,
    values: query.params,
    rowMode: 'array',
    queryMode: 'extended',
    types: rawTextTypes,
  } as pg.QueryArrayConfig;
  const submitted = new pg.Query<(string | null)[]>(config);
  return new Promise((resolve, reject) => {
    submitted.on('row', (row, result) => void rows.add(row, result?.fields ?? []));
    submitted.on('error', reject);
    submitted.on('end', (result) =>
      resolve({
        fields: result.fields.map((f) => ({
          name: f.name,
          dataTypeID: f.dataTypeID,
          tableID: f.tableID,
          columnID: f.columnID,
          dataTypeSize: f.dataTypeSize,
          dataTypeModifier: f.dataTypeModifier,
        })),
        rows: rows.rows,
        command: result.command ?? '',
        rowCount: typeof result.rowCount === 'number' ? result.rowCount : null,
      }),
    );
    client.query(submitted);
  });
}

/** A collector for each query of the request, all drawing on the request's one budget. */
export function collectorFor(request: SqlRequest, query: SqlQuery, budget: ResponseBudget): RowCollector {
  return new RowCollector({ arrayMode: query.arrayMode ?? request.arrayMode, raw: request.rawTextOutput }, budget);
}

/**
 * Runs the request. A batch goes out in one write: START TRANSACTION, its queries and COMMIT, each with its own Sync
 * (the connection is in pipeline mode), so it costs one round trip instead of one per statement. PostgreSQL runs them
 * in order; after the first error the rest fail with "current transaction is aborted" and COMMIT ends in a rollback,
 * which is what the batch's semantics ask for. The first error, in query order, is the batch's error.
 */
export async function executeOnClient(client: pg.Client, request: SqlRequest, budget: ResponseBudget): Promise<QueryOutcome[]> {
  if (!request.batch) return [await runQuery(client, request.queries[0]!, collectorFor(request, request.queries[0]!, budget))];
  const pending = inOneWrite(client, () => [
    client.query(startTransactionSql(request)),
    ...request.queries.map((query) => runQuery(client, query, collectorFor(request, query, budget))),
    client.query('COMMIT'),
  ]);
  const settled = await Promise.allSettled(pending);
  const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.slice(1, -1).map((outcome) => (outcome as PromiseFulfilledResult<QueryOutcome>).value);
}
