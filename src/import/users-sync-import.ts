/**
 * `authsync import users-sync`: users recovered from a legacy `neon_auth.users_sync` table, whose `raw_json` is the
 * Stack server user object, written into a project under the same IDs with the same writer as `import stack`. Works
 * when the old provider is gone. Read in pages ordered by ID, each saved (import-runs.ts), so an interrupted run
 * continues.
 *
 * A soft-deleted row (`deleted_at` set) is a user deleted at the source: authsync keeps no deleted users, so it is not
 * created and is reported as skipped ("deleted at source"); a user of the project with that ID is left as it is.
 * Passwords are not in raw_json: the users sign in another way (reset, OTP, OAuth) or through the lazy migration.
 */
import pg from 'pg';
import type { AppContext } from '../context/app-context.js';
import { AppError } from '../errors/app-error.js';
import { saveRun, startRun } from './import-runs.js';
import { countUser, type ImportSummary } from './summary.js';
import { writeUser } from './write-user.js';

export interface UsersSyncImportOptions {
  /** Work out what would change, write nothing (and keep no state). @default false */
  dryRun?: boolean;
  /** Rows per query. @default 500 */
  pageSize?: number;
  onProgress?: (phase: string, summary: ImportSummary) => void;
}

/** The key of a run in import_runs: the database's URL without its password. */
export function usersSyncSourceName(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    url.password = '';
    return `users-sync ${url.href}`;
  } catch {
    throw new AppError('CLI_INPUT', 400, '--from-database-url is not a PostgreSQL connection string (postgres://…).');
  }
}

export async function importFromUsersSync(
  ctx: AppContext,
  projectId: string,
  databaseUrl: string,
  options: UsersSyncImportOptions = {},
): Promise<ImportSummary> {
  const dryRun = options.dryRun ?? false;
  const name = usersSyncSourceName(databaseUrl);
  const run = await startRun(ctx.db, projectId, name, 'users', dryRun);

  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 15_000 });
  client.on('error', () => undefined); // a dropped connection fails the pending query, which reports it
  try {
    await client.connect();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new AppError('IMPORT_SOURCE_UNREACHABLE', 502, `Cannot connect to the legacy database: ${message}.`, { cause: error });
  }
  try {
    await checkTable(client);
    let cursor = run.cursor ?? '';
    for (;;) {
      const { rows } = await client.query<{ id: string; raw_json: unknown; deleted_at: Date | null }>(
        'SELECT id, raw_json, deleted_at FROM neon_auth.users_sync WHERE id > $1 ORDER BY id LIMIT $2',
        [cursor, options.pageSize ?? 500],
      );
      if (rows.length === 0) break;
      for (const row of rows) {
        const outcome = row.deleted_at
          ? { skipped: `deleted at source (${row.deleted_at.toISOString()})` }
          : await writeUser(ctx, projectId, row.raw_json, { dryRun });
        countUser(run.summary, row.id, outcome);
      }
      cursor = rows[rows.length - 1]!.id;
      run.cursor = cursor;
      if (!dryRun) await saveRun(ctx.db, projectId, name, run);
      options.onProgress?.('users', run.summary);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
  if (!dryRun) await saveRun(ctx.db, projectId, name, run, true);
  return run.summary;
}

async function checkTable(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ ok: boolean }>(
    `SELECT count(*) = 3 AS ok FROM information_schema.columns
     WHERE table_schema = 'neon_auth' AND table_name = 'users_sync' AND column_name IN ('id', 'raw_json', 'deleted_at')`,
  );
  if (!rows[0]?.ok) {
    throw new AppError(
      'IMPORT_SOURCE_NOT_USERS_SYNC',
      400,
      'The legacy database has no neon_auth.users_sync table with id, raw_json and deleted_at.',
    );
  }
}
