/**
 * Whether a project database has what RLS needs: the end-user roles and the `auth` functions (src/rls's kit); for the
 * app database also whether /sql serves the password path there, and whether end users can signal each other.
 */
import type { AppContext } from '../context/app-context.js';
import { listProjectDatabases, withProjectDatabase } from '../projects/databases.js';
import { installedKitVersion } from '../rls/install.js';
import { END_USER_ROLES } from '../rls/end-user-roles.js';
import { sqlDatabaseFindings, type SqlDatabaseFindings } from '../sql/database-checks.js';
import type { SqlService } from '../sql/service.js';

export interface RlsDatabaseStatus {
  key: string;
  purpose: 'app' | 'sync_target';
  roles: string[];
  authFunctions: boolean;
  /** The last kit migration applied (its file name without .sql). */
  kitVersion: string | undefined;
  error?: string;
}

export interface RlsStatus {
  databases: RlsDatabaseStatus[];
  /** The app database as /sql sees it (undefined in embedded mode, or when it could not be checked). */
  sql: SqlDatabaseFindings | undefined;
}

export async function rlsStatus(ctx: AppContext, sqlService: SqlService, projectId: string): Promise<RlsStatus> {
  const [databases, sql] = await Promise.all([
    rlsDatabaseStatus(ctx, projectId),
    sqlDatabaseFindings(sqlService, projectId).catch(() => undefined),
  ]);
  return { databases, sql };
}

export async function rlsDatabaseStatus(ctx: AppContext, projectId: string): Promise<RlsDatabaseStatus[]> {
  const out: RlsDatabaseStatus[] = [];
  for (const target of await listProjectDatabases(ctx.db, ctx.box, projectId)) {
    const base = { key: target.key, purpose: target.purpose };
    try {
      out.push(
        await withProjectDatabase(ctx, target, async (db) => {
          const { rows } = await db.query<{ roles: string[]; auth: boolean }>(
            `SELECT ARRAY(SELECT rolname::text FROM pg_roles WHERE rolname = ANY($1::text[]) ORDER BY rolname) AS roles,
                    to_regprocedure('auth.user_id()') IS NOT NULL AND to_regprocedure('auth.session()') IS NOT NULL AS auth`,
            [[...END_USER_ROLES]],
          );
          return { ...base, roles: rows[0]!.roles, authFunctions: rows[0]!.auth, kitVersion: await installedKitVersion(db) };
        }),
      );
    } catch (error) {
      out.push({
        ...base,
        roles: [],
        authFunctions: false,
        kitVersion: undefined,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return out;
}
