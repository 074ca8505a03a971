/**
 * A user's provider accounts as Stack's `/oauth-providers` endpoints show them (the SDK's `user.listOAuthProviders()`,
 * `provider.update({allowSignIn, allowConnectedAccounts})`, `provider.delete()`). An account has no ID of its own
 * (its key is the provider and the provider's account ID), so its `id` here is both, encoded as one opaque URL-safe
 * string. Removing an account changes the user object (`oauth_providers`), so it bumps the user in the same
 * transaction; the two flags are not on the user object.
 */
import type { AppContext } from '../context/app-context.js';
import { TextError, errors } from '../errors/known-errors.js';
import { listOAuthAccountsOfUser, removeOAuthAccount, type OAuthAccount } from './accounts.js';

export interface OAuthProviderItem {
  user_id: string;
  id: string;
  provider_config_id: string;
  type: string;
  account_id: string;
  email: string | null;
  allow_sign_in: boolean;
  allow_connected_accounts: boolean;
}

export function accountItemId(account: Pick<OAuthAccount, 'providerId' | 'accountId'>): string {
  return Buffer.from(JSON.stringify([account.providerId, account.accountId]), 'utf8').toString('base64url');
}

function toItem(account: OAuthAccount): OAuthProviderItem {
  return {
    user_id: account.userId,
    id: accountItemId(account),
    provider_config_id: account.providerId,
    type: account.providerId,
    account_id: account.accountId,
    email: account.email,
    allow_sign_in: account.allowSignIn,
    allow_connected_accounts: account.allowConnectedAccounts,
  };
}

const notFound = () => new TextError('OAUTH_ACCOUNT_NOT_FOUND', 404, 'OAuth provider not found for this user.');

export async function listUserOAuthProviders(ctx: AppContext, projectId: string, userId: string): Promise<OAuthProviderItem[]> {
  return (await listOAuthAccountsOfUser(ctx.db, ctx.box, projectId, userId)).map(toItem);
}

async function findAccount(ctx: AppContext, projectId: string, userId: string, id: string): Promise<OAuthAccount> {
  const accounts = await listOAuthAccountsOfUser(ctx.db, ctx.box, projectId, userId);
  const account = accounts.find((candidate) => accountItemId(candidate) === id);
  if (!account) throw notFound();
  return account;
}

export async function getUserOAuthProvider(ctx: AppContext, projectId: string, userId: string, id: string): Promise<OAuthProviderItem> {
  return toItem(await findAccount(ctx, projectId, userId, id));
}

export async function updateUserOAuthProvider(
  ctx: AppContext,
  projectId: string,
  userId: string,
  id: string,
  flags: { allow_sign_in?: boolean | undefined; allow_connected_accounts?: boolean | undefined },
): Promise<OAuthProviderItem> {
  const account = await findAccount(ctx, projectId, userId, id);
  await ctx.db.query(
    `UPDATE authsync.oauth_accounts
     SET allow_sign_in = coalesce($4, allow_sign_in), allow_connected_accounts = coalesce($5, allow_connected_accounts), updated_at = now()
     WHERE project_id = $1 AND provider_id = $2 AND account_id = $3`,
    [projectId, account.providerId, account.accountId, flags.allow_sign_in ?? null, flags.allow_connected_accounts ?? null],
  );
  return toItem({
    ...account,
    allowSignIn: flags.allow_sign_in ?? account.allowSignIn,
    allowConnectedAccounts: flags.allow_connected_accounts ?? account.allowConnectedAccounts,
  });
}

export async function deleteUserOAuthProvider(ctx: AppContext, projectId: string, userId: string, id: string): Promise<void> {
  const account = await findAccount(ctx, projectId, userId, id);
  await ctx.db.transaction(async (tx) => {
    await removeOAuthAccount(tx, projectId, account.providerId, account.accountId);
    if (!(await ctx.users.update(projectId, userId, {}, { tx }))) throw errors.userNotFound();
  });
}
