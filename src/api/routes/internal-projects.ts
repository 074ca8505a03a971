/**
 * The internal project API for projects: POST and GET /internal/projects (a user of the internal project, with client
 * access or more to it), GET, PATCH and DELETE /internal/projects/current (admin access to the project: its super
 * secret admin key, or an admin access token of a member of its owner team).
 */
import { z } from 'zod';
import { errors, type AccessType } from '../../errors/known-errors.js';
import { adminProject, projectFieldsSchema, storedConfig } from '../../internal/admin-project.js';
import { applyLegacyConfigKeys, checkLegacyConfigKeys } from '../../internal/config-legacy-keys.js';
import { applyLegacyEmailConfig, checkLegacyEmailConfig } from '../../internal/legacy-email-config.js';
import { applyLegacyOAuthProviders, checkLegacyOAuthProviders } from '../../internal/legacy-oauth-config.js';
import { isInternalProject } from '../../projects/internal-id.js';
import { createManagedProject, deleteProject, listManagedProjects, setProjectFields } from '../../internal/managed-projects.js';
import { updateProject } from '../../projects/projects.js';
import { imageTarget } from '../../storage/image-store.js';
import { writeProjectLogos } from '../../storage/project-logos.js';
import { endpoint } from '../endpoint.js';
import type { RequestAuth } from '../request-auth.js';
import { created, ok } from '../respond.js';
import { uuidField } from './fields.js';
import { signedInUser } from './team-params.js';

const ANY: AccessType[] = ['client', 'server', 'admin'];
const displayName = z.string().trim().min(1).max(256);

/**
 * The signed-in user of a request to the internal project (EXPECTED_INTERNAL_PROJECT on any other). An anonymous or
 * restricted user counts as none: with client team creation on, an anonymous user could otherwise make a team and
 * projects on an instance whose sign-up is off.
 */
function internalUser(auth: RequestAuth) {
  if (!isInternalProject(auth.project.project.id)) throw errors.expectedInternalProject();
  const user = signedInUser(auth);
  if (user.is_anonymous || auth.token?.payload.is_restricted) throw errors.userAuthenticationRequired();
  return user;
}

export const createInternalProjectEndpoint = endpoint({
  method: 'POST',
  path: '/internal/projects',
  access: ANY,
  body: z.strictObject({ display_name: displayName, owner_team_id: uuidField, ...projectFieldsSchema }),
  handler: async ({ ctx, auth, body }) => {
    const user = internalUser(auth);
    checkLegacyEmailConfig(body.config?.email_config);
    await checkLegacyConfigKeys(ctx.db, undefined, body.config);
    checkLegacyOAuthProviders(body.config?.oauth_providers);
    const project = await createManagedProject(ctx, user.id, {
      displayName: body.display_name,
      ownerTeamId: body.owner_team_id.toLowerCase(),
      config: storedConfig(body.config),
      ...(body.description ? { description: body.description } : {}),
      ...(body.is_production_mode !== undefined ? { isProductionMode: body.is_production_mode } : {}),
    });
    if (body.config?.email_config) await applyLegacyEmailConfig(ctx, project.id, body.config.email_config);
    if (body.config?.oauth_providers) await applyLegacyOAuthProviders(ctx, project.id, body.config.oauth_providers);
    await applyLegacyConfigKeys(ctx.db, project.id, body.config);
    await writeProjectLogos(imageTarget(ctx, project.id), body);
    return created(await adminProject(ctx.db, project));
  },
});

export const listInternalProjectsEndpoint = endpoint({
  method: 'GET',
  path: '/internal/projects',
  access: ANY,
  handler: async ({ ctx, auth }) => {
    const user = internalUser(auth);
    const projects = await listManagedProjects(ctx.db, user.id);
    return ok({ items: await Promise.all(projects.map((p) => adminProject(ctx.db, p))), is_paginated: false });
  },
});

export const getCurrentAdminProjectEndpoint = endpoint({
  method: 'GET',
  path: '/internal/projects/current',
  access: ['admin'],
  handler: async ({ ctx, auth }) => ok(await adminProject(ctx.db, auth.project.project)),
});

export const updateCurrentAdminProjectEndpoint = endpoint({
  method: 'PATCH',
  path: '/internal/projects/current',
  access: ['admin'],
  body: z.strictObject({ display_name: displayName.optional(), ...projectFieldsSchema }),
  handler: async ({ ctx, auth, body }) => {
    const id = auth.project.project.id;
    checkLegacyEmailConfig(body.config?.email_config);
    await checkLegacyConfigKeys(ctx.db, id, body.config);
    checkLegacyOAuthProviders(body.config?.oauth_providers);
    // Uploaded logos are checked (and stored) before anything changes.
    await writeProjectLogos(imageTarget(ctx, id), body);
    if (body.config?.email_config) await applyLegacyEmailConfig(ctx, id, body.config.email_config);
    if (body.config?.oauth_providers) await applyLegacyOAuthProviders(ctx, id, body.config.oauth_providers);
    await updateProject(ctx.db, id, {
      ...(body.display_name !== undefined ? { displayName: body.display_name } : {}),
      config: storedConfig(body.config),
    });
    await applyLegacyConfigKeys(ctx.db, id, body.config);
    const project = await setProjectFields(ctx.db, id, {
      description: body.description ?? undefined,
      isProductionMode: body.is_production_mode,
    });
    // This server applies the change at once; the others when the change notification reaches them.
    ctx.directory.invalidate(id);
    if (!project) throw errors.currentProjectNotFound(id);
    return ok(await adminProject(ctx.db, project));
  },
});

export const deleteCurrentAdminProjectEndpoint = endpoint({
  method: 'DELETE',
  path: '/internal/projects/current',
  access: ['admin'],
  handler: async ({ ctx, auth }) => {
    await deleteProject(ctx.db, auth.project.project.id);
    ctx.directory.invalidate(auth.project.project.id);
    return ok({ success: true });
  },
});
