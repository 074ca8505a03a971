/**
 * What authsync checks about a project's app database on behalf of /sql, at start, at `project create` and on the
 * dashboard's RLS page: whether the password path is served there (see password-path.ts), and whether end users,
 * who all share one role, can cancel or terminate each other's backends (the kit takes pg_cancel_backend and
 * pg_terminate_backend away from PUBLIC only when a superuser installs it).
 */
import type { AppContext } from '../context/app-context.js';
import { listProjects } from '../projects/projects.js';
import { endUsersCanSignalBackends } from '../rls/install.js';
import type { PasswordPathStatus } from './password-path.js';
import type { SqlService } from './service.js';

export interface SqlDatabaseFindings {
  /** host:port/database. */
  dbKey: string;
  passwordPath: PasswordPathStatus;
  /** End users may signal other end users' backends (undefined: could not tell). */
  endUsersCanSignal: boolean | undefined;
}

export const SIGNAL_WARNING =
  "end users can cancel or terminate each other's queries here: they share one role, and only a superuser can take pg_cancel_backend and pg_terminate_backend away from PUBLIC. " +
  'Install the kit as a superuser once (authsync rls install), or run as one: REVOKE EXECUTE ON FUNCTION pg_catalog.pg_cancel_backend(integer), pg_catalog.pg_terminate_backend(integer, bigint) FROM PUBLIC';

/** The findings for a project's app database; undefined in embedded mode (no password check, no other backends). */
export async function sqlDatabaseFindings(sql: SqlService, projectId: string): Promise<SqlDatabaseFindings | undefined> {
  const target = await sql.targets.forProject(projectId);
  if (!target || target.embedded) return undefined;
  const [passwordPath, endUsersCanSignal] = await Promise.all([
    sql.passwordPath.status(target),
    endUsersCanSignalBackends(target.privileged).catch(() => undefined),
  ]);
  return { dbKey: target.dbKey, passwordPath, endUsersCanSignal };
}

/** Logs, once per app database at start, what needs the operator: a closed password path, end users who can signal each other. */
export async function logSqlDatabaseFindingsAtStart(ctx: AppContext, sql: SqlService): Promise<void> {
  if (ctx.db.kind === 'pglite') return;
  const seen = new Set<string>();
  for (const project of await listProjects(ctx.db)) {
    const findings = await sqlDatabaseFindings(sql, project.id).catch((error: unknown) => {
      ctx.log.warn({ projectId: project.id, err: (error as Error).message }, 'could not check the app database for /sql');
      return undefined;
    });
    if (!findings || seen.has(findings.dbKey)) continue;
    seen.add(findings.dbKey);
    if (!findings.passwordPath.serve && ctx.config.sqlPasswordAuth === 'auto')
      ctx.log.warn({ database: findings.dbKey }, `/sql: ${findings.passwordPath.reason}`);
    if (findings.endUsersCanSignal) ctx.log.warn({ database: findings.dbKey }, `/sql: ${SIGNAL_WARNING}`);
  }
}
