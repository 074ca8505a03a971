/**
 * Prepares the databases of a project: users_sync in its app database and in each sync target, and the
 * RLS kit in its app database. Run when a project is created and for every project at server start;
 * every step is idempotent.
 */
import type { AppContext } from '../context/app-context.js';
import { AppError, hasCode } from '../errors/app-error.js';
import { listProjectDatabases, withProjectDatabase } from '../projects/databases.js';
import { installKit, kitIsCurrent } from '../rls/install.js';
import { ensureTarget } from '../sync/target-schema.js';

type Step = 'users_sync' | 'rls_kit';

const PROVISIONING_FAILED = 'PROVISIONING_FAILED';

/**
 * A step of provisioning that failed: which one and in which database (`details`), and the database's message with
 * its hint. Shown to the operator, whose database it is.
 */
function provisioningFailed(step: Step, database: string, cause: unknown): AppError {
  const { message, hint } = cause as { message?: string; hint?: string };
  return new AppError(PROVISIONING_FAILED, 500, `${message ?? String(cause)}${hint ? ` (${hint})` : ''}`, {
    details: { step, database },
    cause,
  });
}

export async function provisionProject(ctx: AppContext, projectId: string): Promise<void> {
  for (const target of await listProjectDatabases(ctx.db, ctx.box, projectId)) {
    let step: Step = 'users_sync';
    try {
      await withProjectDatabase(ctx, target, async (db) => {
        await ensureTarget(db);
        if (target.purpose !== 'app') return;
        step = 'rls_kit';
        await installKit(db, { serverSecret: ctx.serverSecret, setPasswords: db.kind !== 'pglite' });
      });
    } catch (error) {
      throw provisioningFailed(step, target.key, error);
    }
  }
}

/** What a user is told when provisioning a new project failed: the step, the database and what happens next. */
export function provisioningWarning(error: Error): string {
  if (!hasCode(error, PROVISIONING_FAILED))
    return `could not prepare the project's databases yet (${error.message}); the server retries at start.`;
  const { step, database } = error.details as { step: Step; database: string };
  return step === 'rls_kit'
    ? `could not install the RLS kit in the app database ${database} (${error.message}); users_sync is ready there; the server retries the kit at start and /sql on first use.`
    : `could not prepare users_sync in the database ${database} yet (${error.message}); the server retries.`;
}

/**
 * At start: brings the RLS kit of every project's app database up to date (each database once). A database that
 * cannot be reached or prepared is logged and skipped: it does not stop the server, and /sql installs the kit on
 * first use anyway. Runs before the server takes requests, so it never races this process's own /sql.
 */
export async function provisionAppDatabasesAtStart(ctx: AppContext): Promise<void> {
  const seen = new Set<string>();
  for (const target of await listProjectDatabases(ctx.db, ctx.box)) {
    if (target.purpose !== 'app' || seen.has(target.key)) continue;
    seen.add(target.key);
    try {
      await withProjectDatabase(ctx, target, async (db) => {
        if (!(await kitIsCurrent(db))) await installKit(db, { serverSecret: ctx.serverSecret, setPasswords: db.kind !== 'pglite' });
      });
    } catch (error) {
      ctx.log.warn(
        { database: target.key, err: (error as Error).message },
        'could not install the RLS kit in an app database; /sql will retry on first use',
      );
    }
  }
}
