/**
 * Turns a request's headers into its principal, in the order Stack Auth checks them (so the same error wins):
 * 1. the headers combine correctly; 2. the access token decodes (token errors win); 3. the project exists;
 * 4. the key of the access type is right; 5. the branch exists; 6. the user is loaded.
 */
import type { AppContext } from '../context/app-context.js';
import { verifyAccessToken, type VerifiedAccessToken } from '../auth/access-tokens.js';
import { secretMatchesAny } from '../crypto/secrets.js';
import { errors, type AccessType } from '../errors/known-errors.js';
import { checkAdminAccessToken } from '../internal/admin-access.js';
import { resolveProjectId } from '../projects/internal-id.js';
import type { ProjectEntry } from '../projects/directory.js';
import { restrictedReason, type UserRow } from '../users/user-object.js';
import { stackHeader } from './headers.js';

export interface RequestAuth {
  accessType: AccessType;
  project: ProjectEntry;
  /** The signed-in user; null without a token, or when the token's user no longer exists. */
  user: UserRow | null;
  token: VerifiedAccessToken | null;
}

const ACCESS_TYPES: readonly string[] = ['client', 'server', 'admin'];

export async function authenticate(ctx: AppContext, headers: Headers): Promise<RequestAuth | null> {
  const accessTypeHeader = stackHeader(headers, 'access-type');
  const projectId = stackHeader(headers, 'project-id');
  const publishableKey = stackHeader(headers, 'publishable-client-key');
  const secretKey = stackHeader(headers, 'secret-server-key');
  const adminKey = stackHeader(headers, 'super-secret-admin-key');
  const adminToken = stackHeader(headers, 'admin-access-token');

  // 1. Headers combine correctly.
  if (accessTypeHeader === undefined) {
    if (publishableKey || secretKey || adminKey || adminToken) throw errors.projectKeyWithoutAccessType();
    return null;
  }
  if (!ACCESS_TYPES.includes(accessTypeHeader)) throw errors.invalidAccessType(accessTypeHeader);
  const accessType = accessTypeHeader as AccessType;
  if (projectId === undefined) throw errors.accessTypeWithoutProjectId(accessType);

  // 2. The access token, if any.
  const allowAnonymous = stackHeader(headers, 'allow-anonymous-user') === 'true';
  const allowRestricted = allowAnonymous || stackHeader(headers, 'allow-restricted-user') === 'true';
  const accessToken = stackHeader(headers, 'access-token');
  // Project IDs are UUIDs, stored lower-case; a header in upper case names the same project; `internal` is the internal
  // project's alias.
  const normalizedProjectId = resolveProjectId(projectId);
  const token =
    accessToken === undefined
      ? null
      : await verifyAccessToken(ctx, accessToken, { projectId: normalizedProjectId, allowAnonymous, allowRestricted });

  // 3. The project.
  const project = await ctx.directory.getProject(normalizedProjectId);
  if (!project) throw errors.currentProjectNotFound(projectId);

  // 4. The key for the access type; an admin access token instead of any key, whatever the access type.
  if (adminToken !== undefined) await checkAdminAccessToken(ctx, adminToken, project.project.id);
  // A wrong key's error names the project as the header did (`internal` stays `internal`), as Stack's does.
  else checkProjectKey(project, projectId, accessType, { publishableKey, secretKey, adminKey });

  // 5. The branch: only `main` exists.
  const branchId = stackHeader(headers, 'branch-id');
  if (branchId !== undefined && branchId !== 'main') throw errors.branchDoesNotExist(branchId);

  // 6. The user.
  const user = token ? ((await ctx.users.get(project.project.id, token.payload.sub)) ?? null) : null;
  // The token said what the user was when it was signed; the user may have been restricted since (an administrator,
  // an unverified address, the project now requiring verification): refused at once, not at the token's next refresh.
  const reason = user && !user.is_anonymous ? restrictedReason(user) : null;
  if (reason && !allowRestricted) throw errors.restrictedUserNotAllowed(reason.type);
  return { accessType, project, user, token };
}

function checkProjectKey(
  project: ProjectEntry,
  id: string,
  accessType: AccessType,
  keys: { publishableKey: string | undefined; secretKey: string | undefined; adminKey: string | undefined },
): void {
  switch (accessType) {
    case 'client':
      if (keys.publishableKey === undefined) throw errors.clientAuthenticationRequired();
      if (!secretMatchesAny(keys.publishableKey, project.keyHashes.publishable_client)) throw errors.invalidPublishableClientKey(id);
      return;
    case 'server':
      if (keys.secretKey === undefined) throw errors.serverAuthenticationRequired();
      if (!secretMatchesAny(keys.secretKey, project.keyHashes.secret_server)) throw errors.invalidSecretServerKey(id);
      return;
    case 'admin':
      if (keys.adminKey === undefined) throw errors.adminAuthenticationRequired();
      if (!secretMatchesAny(keys.adminKey, project.keyHashes.super_secret_admin)) throw errors.invalidSuperSecretAdminKey(id);
      return;
  }
}
