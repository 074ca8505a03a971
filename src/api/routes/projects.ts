/** GET /projects/current and the JWKS endpoints. */
import { z } from 'zod';
import { TextError } from '../../errors/known-errors.js';
import { clientProjectConfig } from '../../projects/project-config.js';
import { listSignInProviderIds } from '../../oauth/provider-config.js';
import { listPublishedKeys, toJwk, type Audience } from '../../projects/signing-keys.js';
import type { AppContext } from '../../context/app-context.js';
import { publicProjectId, resolveProjectId } from '../../projects/internal-id.js';
import { endpoint } from '../endpoint.js';
import { ok } from '../respond.js';
import { booleanQuery } from './fields.js';

export const currentProject = endpoint({
  method: 'GET',
  path: '/projects/current',
  access: ['client', 'server', 'admin'],
  handler: async ({ ctx, auth }) => {
    const { project } = auth.project;
    // The providers offered for sign-in, by ID only (the SDK's prebuilt pages show a button for each).
    const providers = await listSignInProviderIds(ctx.db, project.id);
    const config = { ...clientProjectConfig(project.config), enabled_oauth_providers: providers.map((id) => ({ id })) };
    return ok({ id: publicProjectId(project.id), display_name: project.displayName, config });
  },
});

const jwksQuery = z.object({ include_anonymous: booleanQuery.optional(), include_restricted: booleanQuery.optional() });

async function jwks(ctx: AppContext, projectId: string, includeAnonymous: boolean) {
  const project = await ctx.directory.getProject(resolveProjectId(projectId));
  if (!project) throw new TextError('PROJECT_NOT_FOUND', 404, 'Project not found');
  const audiences: Audience[] = includeAnonymous ? ['default', 'anonymous'] : ['default'];
  const keys = await listPublishedKeys(ctx.db, project.project.id, audiences);
  // Verifiers (jose's createRemoteJWKSet) refetch on an unknown kid, so a short cache is safe after rotation.
  return ok({ keys: keys.map(toJwk) }, { 'cache-control': 'public, max-age=300' });
}

export const projectJwks = endpoint({
  method: 'GET',
  path: '/projects/:project_id/.well-known/jwks.json',
  access: 'public',
  query: jwksQuery,
  handler: async ({ ctx, params, query }) => jwks(ctx, params.project_id!, query.include_anonymous ?? false),
});

export const anonymousUsersJwks = endpoint({
  method: 'GET',
  path: '/projects-anonymous-users/:project_id/.well-known/jwks.json',
  access: 'public',
  query: jwksQuery,
  handler: async ({ ctx, params }) => jwks(ctx, params.project_id!, true),
});
