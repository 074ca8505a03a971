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

/**
 * The key sets a JWKS request names, as Stack composes them: the normal users' keys always; the restricted users' with
 * `include_restricted`; the anonymous users' with `include_anonymous`, which includes the restricted users' too (an
 * anonymous user is less signed in than a restricted one).
 */
function audiencesOf(query: z.infer<typeof jwksQuery>): Audience[] {
  if (query.include_anonymous) return ['default', 'restricted', 'anonymous'];
  return query.include_restricted ? ['default', 'restricted'] : ['default'];
}

async function jwks(ctx: AppContext, projectId: string, audiences: Audience[]) {
  const project = await ctx.directory.getProject(resolveProjectId(projectId));
  if (!project) throw new TextError('PROJECT_NOT_FOUND', 404, 'Project not found');
  const keys = await listPublishedKeys(ctx.db, project.project.id, audiences);
  // Verifiers (jose's createRemoteJWKSet) refetch on an unknown kid, so a short cache is safe after rotation.
  return ok({ keys: keys.map(toJwk) }, { 'cache-control': 'public, max-age=300' });
}

export const projectJwks = endpoint({
  method: 'GET',
  path: '/projects/:project_id/.well-known/jwks.json',
  access: 'public',
  query: jwksQuery,
  handler: async ({ ctx, params, query }) => jwks(ctx, params.project_id!, audiencesOf(query)),
});

/** The JWKS under the anonymous users' issuer (`iss` takes no query): every key set. */
export const anonymousUsersJwks = endpoint({
  method: 'GET',
  path: '/projects-anonymous-users/:project_id/.well-known/jwks.json',
  access: 'public',
  query: jwksQuery,
  handler: async ({ ctx, params }) => jwks(ctx, params.project_id!, audiencesOf({ include_anonymous: true })),
});

/** The JWKS under the restricted users' issuer: the normal and restricted users' keys (anonymous ones on request). */
export const restrictedUsersJwks = endpoint({
  method: 'GET',
  path: '/projects-restricted-users/:project_id/.well-known/jwks.json',
  access: 'public',
  query: jwksQuery,
  handler: async ({ ctx, params, query }) => jwks(ctx, params.project_id!, audiencesOf({ ...query, include_restricted: true })),
});
