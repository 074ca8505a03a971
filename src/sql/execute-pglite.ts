/**
 * /sql in embedded mode. PGlite is one superuser session, so a request runs in a transaction that installs the
 * identity (a fresh session key per request), switches with SET LOCAL ROLE and runs the client's queries. SQL can
 * leave that role (RESET ROLE, COMMIT, …): policies hold for development, not as a security boundary. After every
 * query the role and identity are checked and the request is aborted if either moved. Afterwards the identity is
 * forgotten (DISCARD SEQUENCES).
 */
import type { PGlite, Results } from '@electric-sql/pglite';
import { SessionKey } from '../rls/session-key.js';
import { quoteIdent } from '../db/database.js';
import { collectorFor, startTransactionSql } from './execute-pg.js';
import { badRequest, requestDeadlineExceeded } from './neon-errors.js';
import type { SqlRequest } from './request.js';
import { ResponseBudget, responseTooLarge, type QueryOutcome, type RowCollector } from './results.js';

/** Identity parsers for every type PGlite would otherwise convert (its defaults and array types): text output unchanged. */
function rawParsers(pglite: PGlite): Record<number, (value: string) => unknown> {
  const known = (pglite as unknown as { parsers?: Record<string, unknown> }).parsers ?? {};
  return Object.fromEntries(Object.keys(known).map((oid) => [oid, (value: string) => value]));
}

export interface EmbeddedIdentity {
  role: string;
  /** Verified claims (token path); undefined runs as the session user without identity. */
  claims?: Record<string, unknown>;
}

/**
 * Runs the request in one transaction. PGlite runs a statement to its end (it cannot be cancelled), so the request's
 * deadline (`deadlineMs`) is checked between statements: a batch stops at the first statement that ends past it.
 */
export async function executeEmbedded(
  pglite: PGlite,
  request: SqlRequest,
  identity: EmbeddedIdentity,
  deadlineMs: number,
): Promise<QueryOutcome[]> {
  try {
    return await inTransaction(pglite, request, identity, Date.now() + deadlineMs);
  } finally {
    // The identity is the session's currval() of the kit's slot sequence, which a rollback does not undo: forget it,
    // so that the next request without a token (the owner's, say) finds none.
    if (identity.claims) await pglite.exec('DISCARD SEQUENCES');
  }
}

async function inTransaction(pglite: PGlite, request: SqlRequest, identity: EmbeddedIdentity, deadline: number): Promise<QueryOutcome[]> {
  const sizes = new Map<number, number>();
  const budget = new ResponseBudget();
  const parsers = rawParsers(pglite);
  return pglite.transaction(async (tx) => {
    const modes = startTransactionSql(request).replace('START TRANSACTION', '');
    if (request.batch && modes) await tx.exec(`SET TRANSACTION${modes}`);
    let expectedUser: string | null = null;
    if (identity.claims) {
      const key = new SessionKey();
      const { inner, outer } = key.pads();
      await tx.query(
        // The kit owner cannot see the superuser's backend_start, so the embedded session registers without one.
        'SELECT authsync_rls.register_backend(pg_backend_pid(), NULL, session_user, $1, $2, NULL)',
        [inner, outer],
      );
      await tx.query('SELECT auth.jwt_session_init($1)', [key.mint(identity.claims)]);
      expectedUser = typeof identity.claims.sub === 'string' ? identity.claims.sub : null;
    }
    const switchRole = identity.role !== (await tx.query<{ u: string }>('SELECT session_user AS u')).rows[0]?.u;
    if (switchRole) await tx.exec(`SET LOCAL ROLE ${quoteIdent(identity.role)}`);
    const results: QueryOutcome[] = [];
    for (const query of request.queries) {
      if (query.synthetic) {
        results.push(query.synthetic);
        continue;
      }
      const result = await tx.query<unknown[]>(query.query, query.params, { rowMode: 'array', parsers });
      if (Date.now() > deadline) throw requestDeadlineExceeded();
      results.push(await toOutcome(tx, query.query, result, sizes, collectorFor(request, query, budget)));
      if (budget.exceeded) throw responseTooLarge();
      const check = await tx.query<{ role: string; uid: string | null }>(
        `SELECT current_user AS role, ${identity.claims ? 'auth.user_id()' : 'NULL::text'} AS uid`,
      );
      const now = check.rows[0];
      if (!now || now.role !== identity.role || now.uid !== expectedUser) {
        throw badRequest('the query changed the role or identity of the session (not allowed on /sql)');
      }
    }
    if (switchRole) await tx.exec('RESET ROLE');
    if (identity.claims) await tx.query('SELECT authsync_rls.forget_backend(pg_backend_pid())');
    return results;
  });
}

async function toOutcome(
  tx: Pick<PGlite, 'query'>,
  text: string,
  result: Results<unknown[]>,
  sizes: Map<number, number>,
  rows: RowCollector,
): Promise<QueryOutcome> {
  const fields = [];
  for (const f of result.fields) {
    if (!sizes.has(f.dataTypeID)) {
      const { rows } = await tx.query<{ typlen: number }>('SELECT typlen FROM pg_type WHERE oid = $1', [f.dataTypeID]);
      sizes.set(f.dataTypeID, rows[0]?.typlen ?? -1);
    }
    fields.push({
      name: f.name,
      dataTypeID: f.dataTypeID,
      tableID: 0,
      columnID: 0,
      dataTypeSize: sizes.get(f.dataTypeID)!,
      dataTypeModifier: -1,
    });
  }
  // PGlite reports no command tag: derive it from the statement's first word.
  const command = (/^\s*(\w+)/.exec(text)?.[1] ?? '').toUpperCase();
  const counted = ['INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(command);
  const rowCount =
    command === 'SELECT' || command === 'WITH' || command === 'VALUES' || command === 'TABLE'
      ? result.rows.length
      : counted
        ? (result.affectedRows ?? 0)
        : null;
  for (const row of result.rows as (string | null)[][]) if (!rows.add(row, fields)) break;
  return {
    fields,
    rows: rows.rows,
    command: command === 'WITH' || command === 'VALUES' || command === 'TABLE' ? 'SELECT' : command,
    rowCount,
  };
}
