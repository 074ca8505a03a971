/**
 * "Query as user": a read-only SELECT run through /sql's own code path (SqlService.run, the same routing,
 * token verification, role login and identity installation as a request from @neondatabase/serverless), with an
 * access token minted for the chosen user. What comes back is exactly what that user's token would see.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.js';
import { mintAccessToken } from '../auth/access-tokens.js';
import { getAppDatabase } from '../projects/databases.js';
import { SqlHttpError } from '../sql/neon-errors.js';
import { projectSqlUrls } from '../sql/project-urls.js';
import { parseSqlRequest } from '../sql/request.js';
import type { QueryOutcome } from '../sql/results.js';
import type { UserRow } from '../users/user-object.js';
import { DashboardInputError } from './form.js';

/** The panel runs reads only: one statement, in a read-only transaction. */
const READ = /^\s*(SELECT|WITH|TABLE|VALUES)\b/i;

export async function queryAsUser(ctx: AppContext, user: UserRow, sql: string): Promise<QueryOutcome> {
  if (!READ.test(sql)) throw new DashboardInputError('Only a SELECT (or WITH … SELECT) can be run here.');
  if (sql.length > 10_000) throw new DashboardInputError('That query is too long for this panel.');
  const app = await getAppDatabase(ctx.db, ctx.box, user.project_id);
  const urls = projectSqlUrls(ctx.config, user.project_id, app.url);
  // Anonymous users' tokens go to the `anonymous` role, as the Neon docs' anonymous@ URL does.
  const connectionString = user.is_anonymous ? urls.databaseAuthenticatedUrl.replace('://authenticated@', '://anonymous@') : urls.databaseAuthenticatedUrl;
  const token = await mintAccessToken(ctx, user, randomUUID());
  const headers: Record<string, string> = { 'neon-batch-read-only': 'true' };
  const request = parseSqlRequest(JSON.stringify({ queries: [{ query: sql, params: [] }] }), (name) => headers[name]);
  try {
    const [result] = await ctx.sql.run({ connectionString, authorization: `Bearer ${token}`, request });
    return result!;
  } catch (error) {
    if (error instanceof SqlHttpError && error.status < 500) throw new DashboardInputError(error.message);
    throw error;
  }
}
