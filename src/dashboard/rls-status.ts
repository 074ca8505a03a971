/** Whether a project database has what RLS needs: the end-user roles and the `auth` functions (src/rls's kit). */
import type { AppContext } from '../context.js';
import { listProjectDatabases } from '../projects/databases.js';
import { withProjectDatabase } from '../projects/provision.js';
import { installedKitVersion } from '../rls/install.js';
import { END_USER_ROLES } from '../rls/kit-sql.js';

export interface RlsDatabaseStatus {
  key: string;
  purpose: 'app' | 'sync_target';
  roles: string[];
  authFunctions: boolean;
  kitVersion: number | undefined;
  error?: string;
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
      out.push({ ...base, roles: [], authFunctions: false, kitVersion: undefined, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return out;
}
