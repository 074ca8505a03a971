/**
 * The inner state of an OAuth sign-in (`authsync.oauth_flow_states`): the `state` authsync gives the provider, stored
 * as its SHA-256 with what the callback needs (the app's outer request, the inner PKCE verifier sealed). Single use:
 * taking is one DELETE … RETURNING, so two callbacks racing with one state cannot both get it; 10 minutes.
 */
import type { Queryable } from '../db/database.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { hashSecret } from '../crypto/secrets.js';

export const INNER_STATE_TTL_SECONDS = 10 * 60;

/** What the app asked for in GET /auth/oauth/authorize, carried to the callback. */
export interface OuterRequest {
  type: 'authenticate' | 'link';
  redirectUri: string;
  errorRedirectUrl: string | null;
  afterCallbackRedirectUrl: string | null;
  state: string;
  codeChallenge: string;
  codeChallengeMethod: 'S256' | 'plain';
  /** The user of the request's token: the one to link to, or an anonymous user to upgrade. */
  userId: string | null;
  providerScope: string | null;
}

export interface FlowState {
  projectId: string;
  providerId: string;
  codeVerifier: string;
  outer: OuterRequest;
  /** Started in redirect mode: the callback requires the inner cookie. */
  cookieBound: boolean;
  expired: boolean;
}

export async function saveFlowState(db: Queryable, box: SecretBox, flow: Omit<FlowState, 'expired'>, innerState: string): Promise<void> {
  // Expired rows go in the same statement (one round trip).
  await db.query(
    `WITH expired AS (DELETE FROM authsync.oauth_flow_states WHERE expires_at < now())
     INSERT INTO authsync.oauth_flow_states (state_hash, project_id, provider_id, verifier_enc, outer_request, cookie_bound, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))`,
    [
      hashSecret(innerState),
      flow.projectId,
      flow.providerId,
      box.seal(flow.codeVerifier),
      JSON.stringify(flow.outer),
      flow.cookieBound,
      INNER_STATE_TTL_SECONDS,
    ],
  );
}

/** Takes (and deletes) the flow of an inner state; undefined when there is none (unknown or already used). */
export async function takeFlowState(db: Queryable, box: SecretBox, innerState: string): Promise<FlowState | undefined> {
  if (innerState.length === 0 || innerState.length > 512) return undefined;
  const { rows } = await db.query<{
    project_id: string;
    provider_id: string;
    verifier_enc: string;
    outer_request: OuterRequest;
    cookie_bound: boolean;
    expired: boolean;
  }>(
    `DELETE FROM authsync.oauth_flow_states WHERE state_hash = $1
     RETURNING project_id, provider_id, verifier_enc, outer_request, cookie_bound, expires_at < now() AS expired`,
    [hashSecret(innerState)],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    projectId: row.project_id,
    providerId: row.provider_id,
    codeVerifier: box.open(row.verifier_enc),
    outer: row.outer_request,
    cookieBound: row.cookie_bound,
    expired: row.expired,
  };
}
