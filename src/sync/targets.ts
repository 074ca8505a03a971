/**
 * The users_sync databases of a project, as commands name them: choosing the ones a command works on (every database
 * of a project, or of all projects), and adding or removing an extra target after the project was created.
 */
import type { AppContext } from '../context/app-context.js';
import {
  addProjectDatabase,
  databaseKey,
  deleteSyncTarget,
  listProjectDatabases,
  withProjectDatabase,
  type ProjectDatabase,
} from '../projects/databases.js';
import { getProject, isProjectId, notifyProjectChange } from '../projects/projects.js';
import { syncSetupError } from './grants.js';
import { ensureTarget } from './target-schema.js';

export async function selectTargets(
  ctx: AppContext,
  options: { projectId?: string | undefined; targetUrl?: string | undefined },
): Promise<ProjectDatabase[]> {
  if (options.projectId !== undefined) await requireProject(ctx, options.projectId);
  let targets = await listProjectDatabases(ctx.db, ctx.box, options.projectId?.toLowerCase());
  if (options.targetUrl !== undefined) {
    const key = targetKey(options.targetUrl);
    targets = targets.filter((t) => t.key === key);
    if (targets.length === 0)
      throw syncSetupError(`${key} is not a users_sync database of ${options.projectId ? 'that project' : 'any project'}.`);
  }
  return targets;
}

export interface AddedTarget {
  projectId: string;
  /** host:port/database. */
  key: string;
  /** 'app' when the database is the project's app database already. */
  purpose: ProjectDatabase['purpose'];
  /** Why neon_auth.users_sync could not be created there yet (the server sets it up when it can). */
  setupError?: string;
}

/**
 * Keeps neon_auth.users_sync in one more database of a project: records it (its URL sealed, like every target's),
 * tells the servers (their workers fill the table and then apply every change), and creates the table now if the
 * database can be reached.
 */
export async function addSyncTarget(ctx: AppContext, projectIdInput: string, url: string): Promise<AddedTarget> {
  const projectId = await requireProject(ctx, projectIdInput);
  const key = postgresTargetKey(url);
  const target = await ctx.db.transaction(async (tx) => {
    const added = await addProjectDatabase(tx, ctx.box, projectId, 'sync_target', url);
    await notifyProjectChange(tx, projectId);
    return added;
  });
  const setupError = await withProjectDatabase(ctx, target, (db) => ensureTarget(db)).then(
    () => undefined,
    (error: Error) => error.message,
  );
  return { projectId, key, purpose: target.purpose, ...(setupError !== undefined ? { setupError } : {}) };
}

/**
 * Stops keeping neon_auth.users_sync in an extra database of a project: its record and progress go, the servers stop
 * writing there and prune the outbox without it; the table there is left as it is. Returns the database's key.
 */
export async function removeSyncTarget(ctx: AppContext, projectIdInput: string, url: string): Promise<{ projectId: string; key: string }> {
  const projectId = await requireProject(ctx, projectIdInput);
  const key = postgresTargetKey(url);
  await ctx.db.transaction(async (tx) => {
    const removed = await deleteSyncTarget(tx, projectId, key);
    if (!removed && ctx.config.databaseUrl !== undefined && key === databaseKey(ctx.config.databaseUrl)) {
      throw syncSetupError(`${key} is the server's own database, which keeps users_sync for its projects: it is not an extra target.`);
    }
    if (!removed) throw syncSetupError(`${key} is not a users_sync database of that project (authsync sync status lists them).`);
    if (removed.purpose === 'app') throw syncSetupError(`${key} is the project's app database, not an extra target: it cannot be removed.`);
    await notifyProjectChange(tx, projectId);
  });
  return { projectId, key };
}

/** The project a command names, lower-cased; a clear error when there is none. */
async function requireProject(ctx: AppContext, id: string): Promise<string> {
  const projectId = id.toLowerCase();
  if (!isProjectId(projectId) || !(await getProject(ctx.db, projectId))) throw syncSetupError(`No project with the ID "${id}".`);
  return projectId;
}

/** host:port/database of a database URL given to a command. */
function targetKey(url: string): string {
  try {
    return databaseKey(url);
  } catch {
    throw syncSetupError(`"${url}" is not a database URL.`);
  }
}

function postgresTargetKey(url: string): string {
  const key = targetKey(url);
  const { protocol } = new URL(url);
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') throw syncSetupError(`"${url}" is not a database URL (postgres://…).`);
  return key;
}
