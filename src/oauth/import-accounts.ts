/**
 * Provider accounts given with a new user (POST /users `oauth_providers`): users imported from elsewhere keep signing
 * in with their provider. Runs inside the user's creating transaction, so the user and its accounts appear together
 * (users_sync included). The provider must be configured in the project; an account another user has is refused.
 */
import type { AppContext } from '../context/app-context.js';
import type { Queryable } from '../db/database.js';
import { errors } from '../errors/known-errors.js';
import { normalizeEmail } from '../users/email.js';
import { findOAuthAccount, upsertOAuthAccount } from './accounts.js';
import { getOAuthProvider } from './provider-config.js';

export interface ImportedAccount {
  id: string;
  account_id: string;
  email?: string | null | undefined;
}

export async function importOAuthAccounts(
  ctx: AppContext,
  tx: Queryable,
  projectId: string,
  userId: string,
  accounts: readonly ImportedAccount[],
): Promise<void> {
  for (const account of accounts) {
    const provider = await getOAuthProvider(tx, ctx.box, projectId, account.id.toLowerCase());
    if (!provider) throw errors.oauthProviderNotFoundOrNotEnabled();
    const existing = await findOAuthAccount(tx, ctx.box, projectId, provider.providerId, account.account_id);
    if (existing && existing.userId !== userId) throw errors.oauthConnectionAlreadyConnectedToAnotherUser();
    await upsertOAuthAccount(tx, ctx.box, {
      projectId,
      providerId: provider.providerId,
      accountId: account.account_id,
      userId,
      email: account.email ? normalizeEmail(account.email) : null,
      // Nobody vouched for it here: an imported account's e-mail is not taken as verified.
      emailVerified: false,
    });
  }
}
