/**
 * Connected accounts: an app gets the provider's access token of the signed-in user's account, to call the provider's
 * API on the user's behalf (POST /connected-accounts/me/{provider}/access-token, the SDK's
 * `user.getConnectedAccount(provider).getAccessToken()`). The stored token is returned while it has more than a minute
 * left; otherwise it is refreshed with the stored refresh token, and the new tokens are stored. Errors are the ones the
 * SDK turns into "no connection" (so `getOrLinkConnectedAccount` sends the user to link again): no such account
 * (OAUTH_CONNECTION_NOT_CONNECTED_TO_USER), a scope it was not granted, or a token that can no longer be refreshed
 * (OAUTH_CONNECTION_DOES_NOT_HAVE_REQUIRED_SCOPE).
 */
import type { AppContext } from '../context/app-context.js';
import { hasCode } from '../errors/app-error.js';
import { TextError, errors } from '../errors/known-errors.js';
import { listOAuthAccountsOfUser, upsertOAuthAccount, type OAuthAccount } from './accounts.js';
import { getOAuthProvider } from './provider-config.js';
import { refreshAccessToken } from './providers/client.js';

/** A token with less than this left is refreshed first, so the app does not get one that dies in its hands. */
const MIN_REMAINING_MS = 60_000;

export async function connectedAccessToken(
  ctx: AppContext,
  request: { projectId: string; userId: string; providerId: string; scope: string; accountId?: string | undefined },
): Promise<string> {
  const provider = await getOAuthProvider(ctx.db, ctx.box, request.projectId, request.providerId.toLowerCase());
  if (!provider || !provider.allowConnectedAccounts) throw errors.oauthConnectionNotConnectedToUser();
  const accounts = await listOAuthAccountsOfUser(ctx.db, ctx.box, request.projectId, request.userId);
  const account = accounts.find(
    (candidate) =>
      candidate.providerId === provider.providerId &&
      candidate.allowConnectedAccounts &&
      (request.accountId === undefined || candidate.accountId === request.accountId),
  );
  if (!account) throw errors.oauthConnectionNotConnectedToUser();
  const wanted = request.scope.split(/\s+/).filter(Boolean);
  // Scopes are checked when the provider said which it granted (some do not).
  if (account.scopes.length > 0 && !wanted.every((scope) => account.scopes.includes(scope))) {
    throw errors.oauthConnectionDoesNotHaveRequiredScope();
  }
  if (account.accessToken && !expiresSoon(account)) return account.accessToken;
  if (!account.refreshToken) throw errors.oauthConnectionDoesNotHaveRequiredScope();
  const tokens = await refreshAccessToken(provider, account.refreshToken).catch((error: unknown) => {
    // OAUTH_PROVIDER_TEMPORARILY_UNAVAILABLE is unknown to SDKs before 2.8.102: answer them Stack's kind of text 503.
    if (hasCode(error, 'OAUTH_PROVIDER_TEMPORARILY_UNAVAILABLE')) {
      throw new TextError('OAUTH_PROVIDER_UNREACHABLE', 503, 'The OAuth provider could not be reached. Please try again later.', {
        cause: error,
      });
    }
    throw error;
  });
  if (!tokens) throw errors.oauthConnectionDoesNotHaveRequiredScope();
  await upsertOAuthAccount(ctx.db, ctx.box, {
    projectId: account.projectId,
    providerId: account.providerId,
    accountId: account.accountId,
    userId: account.userId,
    email: account.email,
    emailVerified: account.emailVerified,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    accessTokenExpiresAt: tokens.expiresAt,
    scopes: tokens.scope ? tokens.scope.split(/\s+/).filter(Boolean) : account.scopes,
  });
  return tokens.accessToken;
}

function expiresSoon(account: OAuthAccount): boolean {
  return account.accessTokenExpiresAt !== null && account.accessTokenExpiresAt.getTime() - Date.now() < MIN_REMAINING_MS;
}

/** The accounts of a user that apps may use, at providers open to apps (GET /connected-accounts/me). */
export async function listConnectedAccounts(
  ctx: AppContext,
  projectId: string,
  userId: string,
): Promise<Array<{ provider: string; provider_account_id: string }>> {
  const accounts = await listOAuthAccountsOfUser(ctx.db, ctx.box, projectId, userId);
  const result: Array<{ provider: string; provider_account_id: string }> = [];
  for (const account of accounts) {
    if (!account.allowConnectedAccounts) continue;
    const provider = await getOAuthProvider(ctx.db, ctx.box, projectId, account.providerId);
    if (provider?.allowConnectedAccounts) result.push({ provider: account.providerId, provider_account_id: account.accountId });
  }
  return result;
}
