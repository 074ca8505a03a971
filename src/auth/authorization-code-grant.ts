/**
 * The authorization-code grant of POST /auth/oauth/token: the code the OAuth callback gave the app becomes a new
 * session. The code is taken first (so a second try with the same code fails whatever the first one's outcome), then
 * checked: same project, same redirect_uri (Stack answers a different one with a text error), and the PKCE verifier
 * against the stored challenge (S256, or plain as Stack also accepts). Every other failure is
 * INVALID_AUTHORIZATION_CODE, so a caller learns nothing about why.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../context/app-context.js';
import { TextError, errors } from '../errors/known-errors.js';
import { takeAuthorizationCode, type AuthorizationCode } from './authorization-codes.js';
import { requireSecondFactor } from './mfa.js';
import { finishSignIn, openSession, type SignInResult } from './issue.js';

export interface CodeGrantInput {
  projectId: string;
  code: string;
  redirectUri: string;
  codeVerifier: string | undefined;
}

export interface CodeGrantResult extends SignInResult {
  isNewUser: boolean;
  afterCallbackRedirectUrl: string | null;
}

export async function exchangeAuthorizationCode(ctx: AppContext, input: CodeGrantInput): Promise<CodeGrantResult> {
  const code = await takeAuthorizationCode(ctx.db, input.code);
  if (!code || code.projectId !== input.projectId) throw errors.invalidAuthorizationCode();
  if (withoutFragment(input.redirectUri) !== withoutFragment(code.redirectUri)) {
    throw new TextError(
      'OAUTH_REDIRECT_URI_MISMATCH',
      400,
      'Invalid redirect URI. Your redirect URI must be the same as the one used to get the authorization code.',
    );
  }
  if (input.codeVerifier === undefined || !verifierMatches(code, input.codeVerifier)) throw errors.invalidAuthorizationCode();
  const user = await ctx.users.get(code.projectId, code.userId);
  if (!user) throw errors.invalidAuthorizationCode();
  await requireSecondFactor(ctx, user, code.isNewUser);
  const opened = await ctx.db.transaction((tx) => openSession(ctx, tx, user));
  await ctx.users.touchLastActive(user.id);
  return { ...(await finishSignIn(ctx, opened)), isNewUser: code.isNewUser, afterCallbackRedirectUrl: code.afterCallbackRedirectUrl };
}

/** The challenge an S256 (or plain) verifier stands for, compared in constant time. */
function verifierMatches(code: Pick<AuthorizationCode, 'codeChallenge' | 'codeChallengeMethod'>, verifier: string): boolean {
  const derived = code.codeChallengeMethod === 'S256' ? createHash('sha256').update(verifier, 'utf8').digest('base64url') : verifier;
  const left = Buffer.from(derived, 'utf8');
  const right = Buffer.from(code.codeChallenge, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

export function withoutFragment(url: string): string {
  const hash = url.indexOf('#');
  return hash === -1 ? url : url.slice(0, hash);
}
