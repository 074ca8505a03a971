/** Choosing the users_sync targets a command works on: every database of a project (or of all projects). */
import type { AppContext } from '../context.js';
import { databaseKey, listProjectDatabases, type ProjectDatabase } from '../projects/databases.js';
import { getProject, isProjectId } from '../projects/projects.js';
import { SyncSetupError } from './grants.js';

export async function selectTargets(ctx: AppContext, options: { projectId?: string | undefined; targetUrl?: string | undefined }): Promise<ProjectDatabase[]> {
  if (options.projectId !== undefined) {
    if (!isProjectId(options.projectId) || !(await getProject(ctx.db, options.projectId.toLowerCase()))) {
      throw new SyncSetupError(`No project with the ID "${options.projectId}".`);
    }
  }
  let targets = await listProjectDatabases(ctx.db, ctx.box, options.projectId?.toLowerCase());
  if (options.targetUrl !== undefined) {
    let key: string;
    try {
      key = databaseKey(options.targetUrl);
    } catch {
      throw new SyncSetupError(`"${options.targetUrl}" is not a database URL.`);
    }
    targets = targets.filter((t) => t.key === key);
    if (targets.length === 0) throw new SyncSetupError(`${key} is not a users_sync database of ${options.projectId ? 'that project' : 'any project'}.`);
  }
  return targets;
}
