/**
 * Which end-user role a verified token may run as. An anonymous user's token (anyone can create one with the
 * publishable client key) runs as `anonymous` only, unless the project lets anonymous users act as authenticated
 * (`sql_anonymous_tokens_as_authenticated`); otherwise a policy `TO authenticated USING (true)` would be open to
 * every visitor. Neon's default JWKS does not hold anonymous users' keys, so there the token is refused too.
 *
 * A restricted user's token (an unverified primary e-mail where the project requires verification, or restricted by an
 * administrator) runs as `anonymous` only, always: the user has not met the project's conditions for being signed in,
 * and Neon's default JWKS does not hold restricted users' keys either. The setting for anonymous users does not open
 * `authenticated` to them.
 */
import type { AppContext } from '../context/app-context.js';
import type { EndUserRole } from '../rls/end-user-roles.js';
import type { VerifiedClaims } from '../rls/verify-token.js';
import { badRequest } from './neon-errors.js';

export const ANONYMOUS_ON_AUTHENTICATED =
  "an anonymous user's token is accepted for the role anonymous only: connect as anonymous@…, or let this project's anonymous users act as authenticated (authsync project update --allow-anonymous-on-authenticated true, or the dashboard's Configuration page)";

export const RESTRICTED_ON_AUTHENTICATED =
  "a restricted user's token (e-mail not verified where the project requires it, or restricted by an administrator) is accepted for the role anonymous only: connect as anonymous@…";

export async function checkTokenRole(ctx: AppContext, projectId: string, role: EndUserRole, claims: VerifiedClaims): Promise<void> {
  if (role !== 'authenticated') return;
  if (claims.restricted && !claims.anonymous) throw badRequest(RESTRICTED_ON_AUTHENTICATED);
  if (!claims.anonymous) return;
  const entry = await ctx.directory.getProject(projectId);
  if (!entry?.project.config.sql_anonymous_tokens_as_authenticated) throw badRequest(ANONYMOUS_ON_AUTHENTICATED);
}
