/**
 * "Query as user": a read-only SELECT run through /sql's own code path (SqlService.run, the same routing,
 * token verification, role login and identity installation as a request from @neondatabase/serverless), with an
 * access token minted for the chosen user. What comes back is exactly what that user's token would see.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context/app-context.js';
import { mintAccessToken } from '../auth/access-tokens.js';
import { getAppDatabase } from '../projects/databases.js';
import { projectSqlUrls } from '../sql/project-urls.js';
import { parseSqlRequest } from '../sql/request.js';
import type { Field } from '../sql/results.js';
import type { SqlService } from '../sql/service.js';
import type { UserRow } from '../users/user-object.js';
import { inputError } from './form.js';

/** The panel runs reads only: one statement, in a read-only transaction. */
const READ = /^\s*(SELECT|WITH|TABLE|VALUES)\b/i;

/** A result as the panel shows it: Postgres' text values, row by row. */
export interface QueryTable {
  fields: Field[];
  rows: (string | null)[][];
}

export async function queryAsUser(ctx: AppContext, service: SqlService, user: UserRow, sql: string): Promise<QueryTable> {
  if (!READ.test(sql)) throw inputError('Only a SELECT (or WITH … SELECT) can be run here.');
  if (sql.length > 10_000) throw inputError('That query is too long for this panel.');
  const app = await getAppDatabase(ctx.db, ctx.box, user.project_id);
  const urls = projectSqlUrls(ctx.config, user.project_id, app.url);
  // Anonymous users' tokens go to the `anonymous` role, as the Neon docs' anonymous@ URL does.
  const connectionString = user.is_anonymous
    ? urls.databaseAuthenticatedUrl.replace('://authenticated@', '://anonymous@')
    : urls.databaseAuthenticatedUrl;
  const token = await mintAccessToken(ctx, user, randomUUID());
  // Rows come back as /sql answers them (JSON text): arrays of the text values, read back here.
  const headers: Record<string, string> = { 'neon-batch-read-only': 'true', 'neon-array-mode': 'true', 'neon-raw-text-output': 'true' };
  const request = parseSqlRequest(JSON.stringify({ queries: [{ query: sql, params: [] }] }), (name) => headers[name]);
  // /sql's own refusals (a PostgreSQL error, a refused token...) are AppErrors: the page shows their message.
  const [result] = await service.run({ connectionString, authorization: `Bearer ${token}`, request });
  return { fields: result!.fields, rows: result!.rows.map((row) => JSON.parse(row) as (string | null)[]) };
}
