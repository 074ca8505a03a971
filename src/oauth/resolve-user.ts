/**
 * Who an OAuth sign-in is for, decided at the callback (before the app exchanges its code), by Stack's rules:
 * 1. link: the provider account joins the token's user, unless another user has it;
 * 2. a provider account that may sign in → its user;
 * 3. a user who signs in with the provider's e-mail → that user, only if both e-mails are verified (`link_method`),
 *    else CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE (409);
 * 4. otherwise a new user (or the anonymous user of the token, upgraded in place), if the project allows sign-up.
 * Every change that alters the user object (its `oauth_providers`) goes through the UserStore in one transaction with
 * the account, so users_sync sees the account as soon as the user does.
 */
import type { AppContext } from '../context/app-context.js';
import type { Queryable } from '../db/database.js';
import { errors } from '../errors/known-errors.js';
import type { ProjectConfig } from '../projects/project-config.js';
import { isValidEmail, normalizeEmail } from '../users/email.js';
import type { UserRow } from '../users/user-object.js';
import { signUpCountry } from '../users/sign-up-country.js';
import { findOAuthAccount, upsertOAuthAccount } from './accounts.js';
import type { OuterRequest } from './flow-state.js';
import type { ProviderProfile, ProviderTokens } from './providers/types.js';

export interface OAuthSignIn {
  projectId: string;
  config: ProjectConfig;
  providerId: string;
  profile: ProviderProfile;
  tokens: ProviderTokens;
  outer: Pick<OuterRequest, 'type' | 'userId'>;
  /** The client's address: a new user takes a token of the per-address sign-up limit, as a password sign-up does. */
  clientAddress?: string | undefined;
  /** The client's country (a trusted proxy's geo header), recorded on a new user. */
  countryCode?: string | null;
}

export interface ResolvedUser {
  user: UserRow;
  isNewUser: boolean;
}

export async function resolveOAuthUser(ctx: AppContext, signIn: OAuthSignIn): Promise<ResolvedUser> {
  const { projectId, providerId, profile } = signIn;
  const account = await findOAuthAccount(ctx.db, ctx.box, projectId, providerId, profile.accountId);

  if (signIn.outer.type === 'link') {
    const target = signIn.outer.userId ? await ctx.users.get(projectId, signIn.outer.userId) : undefined;
    if (!target) throw errors.userNotFound();
    if (account && account.userId !== target.id) throw errors.oauthConnectionAlreadyConnectedToAnotherUser();
    return { user: await attachAccount(ctx, signIn, target.id), isNewUser: false };
  }

  if (account) {
    // An account its user may not sign in with (allow_sign_in off) cannot start a second user either.
    if (!account.allowSignIn) throw errors.oauthProviderAccessDenied();
    const user = await ctx.users.get(projectId, account.userId);
    if (user) {
      const profileChanged = account.email !== providerEmail(profile);
      const updated = profileChanged
        ? await attachAccount(ctx, signIn, user.id)
        : (await upsertOAuthAccount(ctx.db, ctx.box, accountInput(signIn, user.id)), user);
      return { user: updated, isNewUser: false };
    }
  }

  const email = providerEmail(profile);
  if (email) {
    const existing = await ctx.users.findByAuthEmail(projectId, email);
    if (existing) {
      if (!existing.primary_email_verified || !profile.emailVerified) {
        throw errors.contactChannelAlreadyUsedForAuthBySomeoneElse(email, !existing.primary_email_verified);
      }
      return { user: await attachAccount(ctx, signIn, existing.id), isNewUser: false };
    }
  }

  const fields = {
    primary_email: email,
    primary_email_verified: email !== null && profile.emailVerified,
    primary_email_auth_enabled: email !== null,
    display_name: profile.displayName?.slice(0, 256) ?? null,
    profile_image_url: profile.profileImageUrl,
  };
  const anonymous = signIn.outer.userId ? await ctx.users.get(projectId, signIn.outer.userId) : undefined;
  if (anonymous?.is_anonymous) {
    const upgraded = await ctx.db.transaction(async (tx) => {
      await upsertOAuthAccount(tx, ctx.box, accountInput(signIn, anonymous.id));
      const upgrade = { ...fields, ...signUpCountry(signIn.countryCode, anonymous), is_anonymous: false };
      return ctx.users.update(projectId, anonymous.id, upgrade, { tx });
    });
    if (!upgraded) throw errors.userNotFound();
    return { user: upgraded, isNewUser: true };
  }
  if (!signIn.config.sign_up_enabled) throw errors.signUpNotEnabled();
  await ctx.limits.signUp(projectId, signIn.clientAddress);
  const user = await ctx.users.create(projectId, { ...fields, ...signUpCountry(signIn.countryCode) }, async (tx, created) => {
    await upsertOAuthAccount(tx, ctx.box, accountInput(signIn, created.id));
  });
  return { user, isNewUser: true };
}

/** Records the account for `userId` and bumps the user, in one transaction: its `oauth_providers` changed. */
async function attachAccount(ctx: AppContext, signIn: OAuthSignIn, userId: string): Promise<UserRow> {
  const user = await ctx.db.transaction(async (tx: Queryable) => {
    await upsertOAuthAccount(tx, ctx.box, accountInput(signIn, userId));
    return ctx.users.update(signIn.projectId, userId, {}, { tx });
  });
  if (!user) throw errors.userNotFound();
  return user;
}

function accountInput(signIn: OAuthSignIn, userId: string) {
  return {
    projectId: signIn.projectId,
    providerId: signIn.providerId,
    accountId: signIn.profile.accountId,
    userId,
    email: providerEmail(signIn.profile),
    emailVerified: signIn.profile.emailVerified,
    accessToken: signIn.tokens.accessToken,
    refreshToken: signIn.tokens.refreshToken,
    accessTokenExpiresAt: signIn.tokens.expiresAt,
    scopes: signIn.tokens.scope?.split(/\s+/).filter(Boolean) ?? [],
  };
}

/** The provider's e-mail, normalised; null when it gave none or one the user store would refuse. */
function providerEmail(profile: ProviderProfile): string | null {
  return profile.email && isValidEmail(profile.email) ? normalizeEmail(profile.email) : null;
}
