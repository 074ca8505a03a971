/**
 * GET|POST /auth/oauth/callback/{provider_id}: the provider sends the browser back here. In Stack's order: the inner
 * state is taken (single use; unknown → text 400), the inner cookie checked in redirect mode (missing → text 400),
 * then the flow's age (10 minutes), the provider, the code exchange and profile, the app's redirect_uri (trusted
 * still?), the user (oauth/resolve-user.ts), and finally an outer code for the app: 303 to its redirect_uri with
 * `code` and its `state`. A known error after the state is found goes back to the app the same way, as Stack's
 * error redirect (307 with `errorCode`, `message`, `details`), to redirect_uri or else error_redirect_url, whichever
 * is trusted; with neither, it is answered as a plain error.
 */
import { createAuthorizationCode } from '../auth/authorization-codes.js';
import type { AppContext } from '../context/app-context.js';
import { KnownError, TextError, errors } from '../errors/known-errors.js';
import type { ProjectConfig } from '../projects/project-config.js';
import { isTrustedUrl } from '../projects/trusted-urls.js';
import { providerCallbackUrl } from './authorize.js';
import { takeFlowState, type FlowState } from './flow-state.js';
import { getOAuthProvider } from './provider-config.js';
import { completeAuthorization } from './providers/client.js';
import { resolveOAuthUser } from './resolve-user.js';

/** The HttpOnly cookie that binds a redirect-mode flow to the browser that started it. */
export const innerCookieName = (innerState: string) => `stack-oauth-inner-${innerState}`;

export interface CallbackInput {
  providerId: string;
  /** The query merged with a form_post body. */
  params: URLSearchParams;
  /** The request's cookies. */
  cookies: Record<string, string>;
  /** The client's address, for the sign-up limit when the sign-in makes a new user. */
  clientAddress?: string | undefined;
  /** The client's country (a trusted proxy's geo header), recorded on a new user. */
  countryCode?: string | null;
}

export interface CallbackOutcome {
  location: string;
  status: 303 | 307;
  /** The inner cookie to clear, when the flow had one. */
  clearCookie: string | null;
}

export async function finishCallback(ctx: AppContext, input: CallbackInput): Promise<CallbackOutcome> {
  const innerState = input.params.get('state') ?? '';
  const flow = await takeFlowState(ctx.db, ctx.box, innerState);
  if (!flow || flow.providerId !== input.providerId.toLowerCase()) {
    throw new TextError('OAUTH_INVALID_STATE', 400, 'Invalid OAuth state. Please try signing in again.');
  }
  const cookie = flow.cookieBound ? innerCookieName(innerState) : null;
  if (cookie && input.cookies[cookie] !== 'true') {
    throw new TextError(
      'OAUTH_INNER_COOKIE_MISSING',
      400,
      'Inner OAuth cookie not found. This is likely because you refreshed the page during the OAuth sign in process. Please try signing in again',
    );
  }
  const project = await ctx.directory.getProject(flow.projectId);
  if (!project) throw new TextError('OAUTH_INVALID_STATE', 400, 'Invalid OAuth state. Please try signing in again.');
  const config = project.project.config;
  try {
    const location = await signIn(ctx, flow, config, input, innerState);
    return { location, status: 303, clearCookie: cookie };
  } catch (error) {
    if (!(error instanceof KnownError)) throw error;
    if (error.cause !== undefined) {
      // The provider's failure, for the operator: its message only (oauth4webapi's messages carry no tokens).
      ctx.log.warn(
        { providerId: flow.providerId, code: error.code, reason: error.cause instanceof Error ? error.cause.message : String(error.cause) },
        'OAuth sign-in failed at the provider',
      );
    }
    const target = [flow.outer.redirectUri, flow.outer.errorRedirectUrl].find((url) => url !== null && isTrustedUrl(config, url));
    if (!target) throw error;
    return { location: errorRedirectUrl(target, error), status: 307, clearCookie: cookie };
  }
}

async function signIn(ctx: AppContext, flow: FlowState, config: ProjectConfig, input: CallbackInput, innerState: string): Promise<string> {
  if (flow.expired) throw errors.outerOAuthTimeout();
  const provider = await getOAuthProvider(ctx.db, ctx.box, flow.projectId, flow.providerId);
  if (!provider || (flow.outer.type === 'authenticate' && !provider.allowSignIn)) throw errors.oauthProviderNotFoundOrNotEnabled();
  const { profile, tokens } = await completeAuthorization(provider, {
    redirectUri: providerCallbackUrl(ctx, provider.providerId),
    callbackParams: input.params,
    state: innerState,
    codeVerifier: flow.codeVerifier,
  });
  if (!isTrustedUrl(config, flow.outer.redirectUri)) throw errors.redirectUrlNotWhitelisted();
  const { user, isNewUser } = await resolveOAuthUser(ctx, {
    projectId: flow.projectId,
    config,
    providerId: provider.providerId,
    profile,
    tokens,
    outer: flow.outer,
    clientAddress: input.clientAddress,
    countryCode: input.countryCode,
  });
  const code = await createAuthorizationCode(ctx.db, {
    projectId: flow.projectId,
    userId: user.id,
    redirectUri: flow.outer.redirectUri,
    codeChallenge: flow.outer.codeChallenge,
    codeChallengeMethod: flow.outer.codeChallengeMethod,
    isNewUser,
    afterCallbackRedirectUrl: flow.outer.afterCallbackRedirectUrl,
  });
  const url = new URL(flow.outer.redirectUri);
  url.searchParams.set('code', code);
  url.searchParams.set('state', flow.outer.state);
  return url.toString();
}

/** Stack's error redirect: `error=server_error` for OAuth clients, and the known error for the SDK (2.8.102+). */
function errorRedirectUrl(target: string, error: KnownError): string {
  const url = new URL(target);
  url.searchParams.set('error', 'server_error');
  url.searchParams.set('error_description', error.message);
  url.searchParams.set('errorCode', error.code);
  url.searchParams.set('message', error.message);
  url.searchParams.set('details', JSON.stringify(error.details ?? {}));
  return url.toString();
}
