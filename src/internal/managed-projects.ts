/**
 * Projects made and administered by users of the internal project: a project's owner team is a team of the internal
 * project, and its members administer the project (its admin API through their access token). Creating one needs
 * membership of that team; the new project has random keys that nobody sees (its administrators make key sets with
 * POST /internal/api-keys).
 */
import type { AppContext } from '../context/app-context.js';
import type { Database, Queryable } from '../db/database.js';
import { TextError } from '../errors/known-errors.js';
import { requireMembership } from '../teams/access.js';
import { createProject, getProject, notifyProjectChange, type Project } from '../projects/projects.js';
import type { ProjectConfig } from '../projects/project-config.js';
import { INTERNAL_PROJECT_ID, isInternalProject } from '../projects/internal-id.js';

export interface ManagedProjectInput {
  displayName: string;
  description?: string;
  isProductionMode?: boolean;
  ownerTeamId: string;
  config: Partial<ProjectConfig>;
}

/** Creates a project owned by `ownerTeamId`, a team of the internal project the user is a member of. */
export async function createManagedProject(ctx: AppContext, userId: string, input: ManagedProjectInput): Promise<Project> {
  // TEAM_NOT_FOUND for a team of no project or another project's; TEAM_MEMBERSHIP_NOT_FOUND for a team not the user's.
  await requireMembership(ctx.db, INTERNAL_PROJECT_ID, input.ownerTeamId, userId);
  const { project } = await createProject(ctx.db, ctx.box, {
    displayName: input.displayName,
    ownerTeamId: input.ownerTeamId,
    config: input.config,
  });
  const fields = { description: input.description, isProductionMode: input.isProductionMode };
  if (fields.description === undefined && fields.isProductionMode === undefined) return project;
  return (await setProjectFields(ctx.db, project.id, fields)) ?? project;
}

/** The projects a user of the internal project administers, oldest first. */
export async function listManagedProjects(db: Queryable, userId: string): Promise<Project[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT p.id FROM authsync.projects p JOIN authsync.team_members m ON m.team_id = p.owner_team_id
     WHERE m.user_id = $1 AND m.project_id = $2 ORDER BY p.created_at, p.id`,
    [userId, INTERNAL_PROJECT_ID],
  );
  const projects = await Promise.all(rows.map((row) => getProject(db, row.id)));
  return projects.filter((p): p is Project => p !== undefined);
}

/** Sets the project fields the admin API writes besides the name and config (each left as it is when undefined). */
export async function setProjectFields(
  db: Database,
  projectId: string,
  fields: { description?: string | undefined; isProductionMode?: boolean | undefined },
): Promise<Project | undefined> {
  await db.transaction(async (tx) => {
    await tx.query(
      `UPDATE authsync.projects SET description = coalesce($2, description), is_production_mode = coalesce($3, is_production_mode),
       updated_at = now() WHERE id = $1`,
      [projectId, fields.description ?? null, fields.isProductionMode ?? null],
    );
    await notifyProjectChange(tx, projectId);
  });
  return getProject(db, projectId);
}

/** Deletes a project with everything it owns (users, teams, keys). The internal project cannot be deleted. */
export async function deleteProject(db: Database, projectId: string): Promise<void> {
  if (isInternalProject(projectId)) throw new TextError('INTERNAL_PROJECT_DELETE', 400, 'The internal project cannot be deleted.');
  await db.transaction(async (tx) => {
    await tx.query('DELETE FROM authsync.projects WHERE id = $1', [projectId]);
    // The users_sync outbox and tombstones name projects without a foreign key (they outlive their users).
    await tx.query('DELETE FROM authsync.sync_outbox WHERE project_id = $1', [projectId]);
    await tx.query('DELETE FROM authsync.sync_tombstones WHERE project_id = $1', [projectId]);
    await notifyProjectChange(tx, projectId);
  });
}
