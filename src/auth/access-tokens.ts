/**
 * Access tokens: ES256 JWTs with the full snake-case claim set the Stack SDK validates (it rejects a token
 * missing any of them), signed with the project's key for the user's audience. Anonymous users get their own
 * audience (`<project>:anon`), issuer and key, as in Stack Auth; so do restricted users (`<project>:restricted`,
 * issuer `/api/v1/projects-restricted-users/<project>`).
 */
import type { AppContext } from '../context/app-context.js';
import { decodeJws, signEs256, verifyEs256Signature } from '../crypto/es256.js';
import { errors, type RestrictedReason as KnownRestrictedReason } from '../errors/known-errors.js';
import { publicProjectId } from '../projects/internal-id.js';
import { ensureSigningKey, type Audience } from '../projects/signing-keys.js';
import { restrictedReason, type UserRow } from '../users/user-object.js';

export interface AccessTokenPayload {
  sub: string;
  branch_id: string;
  refresh_token_id: string;
  iss: string;
  iat: number;
  aud: string;
  exp: number;
  project_id: string;
  role: 'authenticated';
  name: string | null;
  email: string | null;
  email_verified: boolean;
  selected_team_id: string | null;
  signed_up_at: number;
  is_anonymous: boolean;
  is_restricted: boolean;
  restricted_reason: ReturnType<typeof restrictedReason>;
  requires_totp_mfa: boolean;
}

/** The internal project's tokens name it `internal` (iss, aud, project_id), as Stack's do. */
const ISSUER_PATHS: Record<Audience, string> = {
  default: 'projects',
  restricted: 'projects-restricted-users',
  anonymous: 'projects-anonymous-users',
};
const AUDIENCE_SUFFIXES: Record<Audience, string> = { default: '', restricted: ':restricted', anonymous: ':anon' };

export function issuerFor(baseUrl: string, projectId: string, audience: Audience): string {
  return `${baseUrl}/api/v1/${ISSUER_PATHS[audience]}/${publicProjectId(projectId)}`;
}

export function audienceFor(projectId: string, audience: Audience): string {
  return `${publicProjectId(projectId)}${AUDIENCE_SUFFIXES[audience]}`;
}

/** The audience of a user's tokens: anonymous, restricted (for any other reason) or default. */
export function audienceOf(user: UserRow): Audience {
  if (user.is_anonymous) return 'anonymous';
  return restrictedReason(user) ? 'restricted' : 'default';
}

async function signerFor(ctx: AppContext, projectId: string, audience: Audience) {
  const signer = await ctx.directory.signingKey(projectId, audience);
  if (signer) return signer;
  // A project made before restricted users had their own key: make it now (never sign with another audience's key).
  // The cache remembers that there was none: drop it, whoever made the key.
  await ensureSigningKey(ctx.db, ctx.box, projectId, audience);
  ctx.directory.invalidate(projectId);
  const made = await ctx.directory.signingKey(projectId, audience);
  if (!made) throw new Error(`Project ${projectId} has no active ${audience} signing key`);
  return made;
}

export async function mintAccessToken(ctx: AppContext, user: UserRow, refreshTokenId: string): Promise<string> {
  const audience = audienceOf(user);
  const signer = await signerFor(ctx, user.project_id, audience);
  const now = Math.floor(Date.now() / 1000);
  const reason = restrictedReason(user);
  const payload: AccessTokenPayload = {
    sub: user.id,
    branch_id: 'main',
    refresh_token_id: refreshTokenId,
    iss: issuerFor(ctx.config.baseUrl, user.project_id, audience),
    iat: now,
    aud: audienceFor(user.project_id, audience),
    exp: now + ctx.config.accessTokenTtlSeconds,
    project_id: publicProjectId(user.project_id),
    role: 'authenticated',
    name: user.display_name,
    email: user.primary_email,
    email_verified: user.primary_email_verified,
    selected_team_id: user.selected_team_id,
    signed_up_at: Math.floor(user.signed_up_at.getTime() / 1000),
    is_anonymous: user.is_anonymous,
    is_restricted: reason !== null,
    restricted_reason: reason,
    requires_totp_mfa: false,
  };
  return signEs256(payload, signer.kid, signer.key);
}

export interface VerifiedAccessToken {
  payload: AccessTokenPayload;
  projectId: string;
  audience: Audience;
}

/**
 * Checks a token presented to the API. Order of failures, as in Stack Auth: anything that is not a valid
 * token of ours → UNPARSABLE_ACCESS_TOKEN; expired → ACCESS_TOKEN_EXPIRED; another project's token →
 * INVALID_PROJECT_FOR_ACCESS_TOKEN; an anonymous user's token where anonymous users are not allowed →
 * ANONYMOUS_AUTHENTICATION_NOT_ALLOWED; a restricted user's token (its `restricted_reason` claim) where restricted
 * users are not allowed → RESTRICTED_USER_NOT_ALLOWED. Allowing anonymous users allows restricted ones.
 */
const KID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export async function verifyAccessToken(
  ctx: AppContext,
  token: string,
  expect: { projectId: string; allowAnonymous: boolean; allowRestricted?: boolean },
): Promise<VerifiedAccessToken> {
  const jws = decodeJws(token);
  const kid = jws?.header.kid;
  // Our kids are base64url; anything else cannot name one of our keys (and must not reach the database:
  // PostgreSQL refuses a NUL byte in text with an error of its own).
  if (!jws || jws.header.alg !== 'ES256' || typeof kid !== 'string' || !KID_PATTERN.test(kid)) throw errors.unparsableAccessToken();
  const key = await ctx.directory.verifyingKey(kid);
  if (!key || (key.publishUntil !== null && key.publishUntil.getTime() <= Date.now()) || !verifyEs256Signature(jws, key.key)) {
    throw errors.unparsableAccessToken();
  }
  const p = jws.payload;
  if (
    p.iss !== issuerFor(ctx.config.baseUrl, key.projectId, key.audience) ||
    p.aud !== audienceFor(key.projectId, key.audience) ||
    typeof p.sub !== 'string' ||
    typeof p.exp !== 'number' ||
    (p.branch_id ?? p.branchId) !== 'main'
  ) {
    throw errors.unparsableAccessToken();
  }
  const refreshTokenId = typeof p.refresh_token_id === 'string' ? p.refresh_token_id : null;
  if (p.exp * 1000 <= Date.now()) {
    throw errors.accessTokenExpired({ expiredAtMillis: p.exp * 1000, projectId: key.projectId, userId: p.sub, refreshTokenId });
  }
  if (key.projectId !== expect.projectId) throw errors.invalidProjectForAccessToken(expect.projectId, key.projectId);
  if (key.audience === 'anonymous' && !expect.allowAnonymous) throw errors.anonymousAuthenticationNotAllowed();
  const reason = restrictedReasonClaim(p.restricted_reason) ?? (key.audience === 'restricted' ? 'restricted_by_administrator' : null);
  if (reason && !(expect.allowAnonymous || expect.allowRestricted)) throw errors.restrictedUserNotAllowed(reason);
  return { payload: p as unknown as AccessTokenPayload, projectId: key.projectId, audience: key.audience };
}

const REASON_TYPES: readonly string[] = ['anonymous', 'email_not_verified', 'restricted_by_administrator'];

/** The type of a token's `restricted_reason` claim, or null when it names none. */
function restrictedReasonClaim(claim: unknown): KnownRestrictedReason | null {
  const type = typeof claim === 'object' && claim !== null ? (claim as { type?: unknown }).type : undefined;
  return typeof type === 'string' && REASON_TYPES.includes(type) ? (type as KnownRestrictedReason) : null;
}
