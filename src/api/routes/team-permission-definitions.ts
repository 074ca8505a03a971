/**
 * Permission definitions (admin access only): /team-permission-definitions (team permissions: the six system ones,
 * team_admin, team_member and the project's own) and /project-permission-definitions (user-level ones), each with GET
 * (the list, by id), POST, PATCH /{id} and DELETE /{id}. One set of declarations serves both scopes.
 */
import { z } from 'zod';
import {
  createPermissionDefinition,
  deletePermissionDefinition,
  listPermissionDefinitions,
  updatePermissionDefinition,
  type PermissionScope,
} from '../../teams/permission-definitions.js';
import { SYSTEM_PERMISSIONS } from '../../teams/permissions.js';
import { endpoint, type Endpoint } from '../endpoint.js';
import { created, ok } from '../respond.js';
import { API_PREFIX } from '../router.js';
import { schemaErrorFor } from '../schema-error.js';

/** A new id: lowercase letters, digits, `_` and `:` (the `$` prefix is the system permissions'). */
const customId = z
  .string()
  .max(256)
  .regex(/^[a-z0-9_:]+$/, 'Only lowercase letters, numbers, ":", "_" are allowed');

/** Any id: a custom one, or one of the system permissions. */
const isPermissionId = (value: string) => /^[a-z0-9_:]+$/.test(value) || (SYSTEM_PERMISSIONS as readonly string[]).includes(value);
const permissionId = z
  .string()
  .max(256)
  .refine(isPermissionId, { message: 'must be lowercase letters, numbers, ":" and "_", or a system permission' });

const fields = {
  description: z.string().max(4096).optional(),
  contained_permission_ids: z.array(permissionId).max(1000).optional(),
};

function idParam(method: string, path: string, value: string | undefined): string {
  const id = value ?? '';
  if (id.length > 256 || !isPermissionId(id)) {
    throw schemaErrorFor(method, `${API_PREFIX}${path}/${id}`, [
      'params.permission_id must be lowercase letters, numbers, ":" and "_", or a system permission',
    ]);
  }
  return id;
}

function definitionEndpoints(scope: PermissionScope, path: string): Endpoint[] {
  return [
    endpoint({
      method: 'GET',
      path,
      access: ['admin'],
      handler: async ({ ctx, auth }) =>
        ok({ items: await listPermissionDefinitions(ctx.db, auth.project.project.id, scope), is_paginated: false }),
    }),
    endpoint({
      method: 'POST',
      path,
      access: ['admin'],
      body: z.strictObject({ id: customId, ...fields }),
      handler: async ({ ctx, auth, body }) => {
        const { id, ...input } = body;
        return created(await ctx.db.transaction((tx) => createPermissionDefinition(tx, auth.project.project.id, scope, id, input)));
      },
    }),
    endpoint({
      method: 'PATCH',
      path: `${path}/:permission_id`,
      access: ['admin'],
      body: z.strictObject({ id: customId.optional(), ...fields }),
      handler: async ({ ctx, auth, params, body }) => {
        const projectId = auth.project.project.id;
        const oldId = idParam('PATCH', path, params.permission_id);
        const definition = await ctx.db.transaction((tx) => updatePermissionDefinition(tx, projectId, scope, oldId, body));
        // A rename may have changed the default sets in the project's config: this server sees it at once.
        ctx.directory.invalidate(projectId);
        return ok(definition);
      },
    }),
    endpoint({
      method: 'DELETE',
      path: `${path}/:permission_id`,
      access: ['admin'],
      handler: async ({ ctx, auth, params }) => {
        const projectId = auth.project.project.id;
        const id = idParam('DELETE', path, params.permission_id);
        await ctx.db.transaction((tx) => deletePermissionDefinition(tx, projectId, scope, id));
        ctx.directory.invalidate(projectId);
        return ok({ success: true });
      },
    }),
  ];
}

export const teamPermissionDefinitionEndpoints = definitionEndpoints('team', '/team-permission-definitions');
export const projectPermissionDefinitionEndpoints = definitionEndpoints('project', '/project-permission-definitions');
