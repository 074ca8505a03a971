/**
 * Permission definitions of a project (Stack's /team-permission-definitions and /project-permission-definitions). An id
 * is unique in the project whatever its scope; a definition contains others of its own scope, recursively. Every
 * project starts with the six system team permissions (`$…`, fixed) and the editable `team_admin` and `team_member`
 * (made with the project, migrations/20261207003000_permission_definitions.sql). Renaming a definition renames its
 * grants, the definitions containing it and the project's default sets; deleting one revokes its grants and removes
 * it from those (the database's references do the first two, in the same transaction as the change).
 */
import type { Queryable } from '../db/database.js';
import { errors } from '../errors/known-errors.js';
import { parseProjectConfig } from '../projects/project-config.js';
import { notifyProjectChange } from '../projects/projects.js';

export type PermissionScope = 'team' | 'project';

export interface PermissionDefinition {
  id: string;
  /** Absent when the definition has none (Stack leaves the key out). */
  description?: string;
  /** Sorted. */
  contained_permission_ids: string[];
}

export interface PermissionDefinitionInput {
  description?: string;
  contained_permission_ids?: readonly string[];
}

/** Stack orders ids by UTF-16 code units; so does JavaScript's default comparison. */
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** System permissions start with `$`: they cannot be created, changed or deleted. */
export const isSystemPermission = (id: string) => id.startsWith('$');

/** A project's definitions of one scope, ordered by id. */
export async function listPermissionDefinitions(db: Queryable, projectId: string, scope: PermissionScope): Promise<PermissionDefinition[]> {
  const { rows } = await db.query<{ id: string; description: string | null; contained: string[] | null }>(
    `SELECT d.id, d.description,
            (SELECT array_agg(c.contained_id) FROM authsync.permission_containments c
             WHERE c.project_id = d.project_id AND c.permission_id = d.id) AS contained
     FROM authsync.permission_definitions d WHERE d.project_id = $1 AND d.scope = $2`,
    [projectId, scope],
  );
  return rows.map((row) => definition(row.id, row.description, row.contained ?? [])).sort((a, b) => byCodeUnits(a.id, b.id));
}

function definition(id: string, description: string | null | undefined, contained: readonly string[]): PermissionDefinition {
  return {
    id,
    ...(description ? { description } : {}),
    contained_permission_ids: [...new Set(contained)].sort(byCodeUnits),
  };
}

async function findDefinition(tx: Queryable, projectId: string, id: string, lock: 'FOR UPDATE' | 'FOR KEY SHARE') {
  const { rows } = await tx.query<{ scope: PermissionScope; description: string | null }>(
    `SELECT scope, description FROM authsync.permission_definitions WHERE project_id = $1 AND id = $2 ${lock}`,
    [projectId, id],
  );
  return rows[0];
}

/** The definition of `permissionId` in this scope (PERMISSION_NOT_FOUND, or WRONG_PERMISSION_SCOPE for the other one). */
export async function requirePermission(tx: Queryable, projectId: string, permissionId: string, scope: PermissionScope): Promise<void> {
  const found = await findDefinition(tx, projectId, permissionId, 'FOR KEY SHARE');
  if (!found) throw errors.permissionNotFound(permissionId);
  if (found.scope !== scope) throw errors.wrongPermissionScope(permissionId, scope, found.scope);
}

/** CONTAINED_PERMISSION_NOT_FOUND for the first id that is no definition of the scope (locked until commit). */
async function checkContained(tx: Queryable, projectId: string, scope: PermissionScope, ids: readonly string[]) {
  const { rows } = await tx.query<{ id: string }>(
    `SELECT id FROM authsync.permission_definitions WHERE project_id = $1 AND scope = $2 AND id = ANY($3::text[]) FOR KEY SHARE`,
    [projectId, scope, [...ids]],
  );
  const found = new Set(rows.map((row) => row.id));
  const missing = ids.find((id) => !found.has(id));
  if (missing !== undefined) throw errors.containedPermissionNotFound(missing);
}

async function setContained(tx: Queryable, projectId: string, scope: PermissionScope, id: string, contained: readonly string[]) {
  await tx.query('DELETE FROM authsync.permission_containments WHERE project_id = $1 AND permission_id = $2', [projectId, id]);
  await tx.query(
    `INSERT INTO authsync.permission_containments (project_id, permission_id, contained_id, scope)
     SELECT $1, $2, c, $3 FROM unnest($4::text[]) AS c ON CONFLICT DO NOTHING`,
    [projectId, id, scope, [...new Set(contained)]],
  );
}

/** POST: PERMISSION_ID_ALREADY_EXISTS when the id is taken (in either scope), CONTAINED_PERMISSION_NOT_FOUND. */
export async function createPermissionDefinition(
  tx: Queryable,
  projectId: string,
  scope: PermissionScope,
  id: string,
  input: PermissionDefinitionInput,
): Promise<PermissionDefinition> {
  const contained = input.contained_permission_ids ?? [];
  const description = input.description || null;
  if (await findDefinition(tx, projectId, id, 'FOR KEY SHARE')) throw errors.permissionIdAlreadyExists(id);
  await checkContained(tx, projectId, scope, contained);
  const inserted = await tx.query(
    `INSERT INTO authsync.permission_definitions (project_id, id, scope, description) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
    [projectId, id, scope, description],
  );
  // Made by a concurrent request since the check above.
  if (inserted.rowCount === 0) throw errors.permissionIdAlreadyExists(id);
  await setContained(tx, projectId, scope, id, contained);
  return definition(id, description, contained);
}

/**
 * PATCH: a new `id` renames the definition everywhere; omitted fields keep their values. PERMISSION_NOT_FOUND for a
 * system permission or one of the other scope, PERMISSION_ID_ALREADY_EXISTS, CONTAINED_PERMISSION_NOT_FOUND.
 */
export async function updatePermissionDefinition(
  tx: Queryable,
  projectId: string,
  scope: PermissionScope,
  oldId: string,
  input: PermissionDefinitionInput & { id?: string },
): Promise<PermissionDefinition> {
  const current = isSystemPermission(oldId) ? undefined : await findDefinition(tx, projectId, oldId, 'FOR UPDATE');
  if (!current || current.scope !== scope) throw errors.permissionNotFound(oldId);
  const newId = input.id ?? oldId;
  if (newId !== oldId && (await findDefinition(tx, projectId, newId, 'FOR KEY SHARE'))) throw errors.permissionIdAlreadyExists(newId);

  const description = input.description === undefined ? current.description : input.description || null;
  // Renaming the definition renames its containments and grants (ON UPDATE CASCADE); its default sets are JSON. (Should
  // a concurrent request take the new id after the check above, this statement fails on the primary key.)
  await tx.query('UPDATE authsync.permission_definitions SET id = $3, description = $4 WHERE project_id = $1 AND id = $2', [
    projectId,
    oldId,
    newId,
    description,
  ]);
  if (newId !== oldId) await rewriteDefaultSets(tx, projectId, (ids) => ids.map((id) => (id === oldId ? newId : id)));
  if (input.contained_permission_ids) {
    // Checked after the rename: the definition may contain itself under its new id, not its old one.
    await checkContained(tx, projectId, scope, input.contained_permission_ids);
    await setContained(tx, projectId, scope, newId, input.contained_permission_ids);
  }
  const { rows } = await tx.query<{ contained_id: string }>(
    'SELECT contained_id FROM authsync.permission_containments WHERE project_id = $1 AND permission_id = $2',
    [projectId, newId],
  );
  return definition(
    newId,
    description,
    rows.map((row) => row.contained_id),
  );
}

/** DELETE: revokes its grants and removes it from other definitions and the default sets. PERMISSION_NOT_FOUND. */
export async function deletePermissionDefinition(tx: Queryable, projectId: string, scope: PermissionScope, id: string): Promise<void> {
  const current = isSystemPermission(id) ? undefined : await findDefinition(tx, projectId, id, 'FOR UPDATE');
  if (!current || current.scope !== scope) throw errors.permissionNotFound(id);
  await tx.query('DELETE FROM authsync.permission_definitions WHERE project_id = $1 AND id = $2', [projectId, id]);
  if (scope === 'team') await rewriteDefaultSets(tx, projectId, (ids) => ids.filter((other) => other !== id));
}

const DEFAULT_SETS = ['team_creator_default_permissions', 'team_member_default_permissions'] as const;

/** Applies `change` to the project's two default team permission sets (stored in its config) when it changes them. */
async function rewriteDefaultSets(tx: Queryable, projectId: string, change: (ids: string[]) => string[]): Promise<void> {
  const { rows } = await tx.query<{ config: unknown }>('SELECT config FROM authsync.projects WHERE id = $1 FOR UPDATE', [projectId]);
  if (!rows[0]) return;
  const config = parseProjectConfig(rows[0].config);
  const patch: Record<string, string[]> = {};
  for (const key of DEFAULT_SETS) {
    const next = change(config[key]);
    if (next.join('\n') !== config[key].join('\n')) patch[key] = next;
  }
  if (Object.keys(patch).length === 0) return;
  await tx.query('UPDATE authsync.projects SET config = config || $2::jsonb, updated_at = now() WHERE id = $1', [
    projectId,
    JSON.stringify(patch),
  ]);
  await notifyProjectChange(tx, projectId);
}

/**
 * A default set as the admin project shows it (`[{ id }]`, ordered by id): the stored ids that name a team definition.
 * Granting a default set leaves out the same ids (permissions.ts), so what is shown is what a new member gets.
 */
export async function renderDefaultSet(db: Queryable, projectId: string, ids: readonly string[]): Promise<Array<{ id: string }>> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM authsync.permission_definitions WHERE project_id = $1 AND scope = 'team' AND id = ANY($2::text[])`,
    [projectId, [...ids]],
  );
  return rows
    .map((row) => row.id)
    .sort(byCodeUnits)
    .map((id) => ({ id }));
}
