/**
 * The OAuth sign-in flow's browser-facing endpoints (the token exchange is auth-oauth-token.ts):
 * GET /auth/oauth/authorize/{provider_id}, which sends the browser to the provider (307 with the inner cookie; or
 * `200 {location}` when the SDK asks for JSON, 2.8.102+), and the callback the provider sends it back to (GET, or
 * POST for providers that answer with form_post).
 */
import { z } from 'zod';
import type { AppContext } from '../../context/app-context.js';
import { startAuthorization } from '../../oauth/authorize.js';
import { finishCallback, innerCookieName } from '../../oauth/callback.js';
import { INNER_STATE_TTL_SECONDS } from '../../oauth/flow-state.js';
import { endpoint } from '../endpoint.js';
import { ok, redirect } from '../respond.js';

const url = z.string().max(2048).url();
const optionalUrl = url.optional().or(z.literal('').transform(() => undefined));

export const oauthAuthorize = endpoint({
  method: 'GET',
  path: '/auth/oauth/authorize/:provider_id',
  access: 'public',
  query: z.object({
    client_id: z.string().max(256),
    client_secret: z.string().max(512),
    redirect_uri: url,
    scope: z.string().max(256),
    state: z.string().min(1).max(512),
    grant_type: z.literal('authorization_code'),
    code_challenge: z.string().min(1).max(256),
    code_challenge_method: z.enum(['S256', 'plain']).default('S256'),
    response_type: z.literal('code'),
    type: z.enum(['authenticate', 'link']).default('authenticate'),
    token: z.string().max(8192).optional(),
    error_redirect_url: optionalUrl,
    error_redirect_uri: optionalUrl,
    after_callback_redirect_url: optionalUrl,
    provider_scope: z.string().max(1024).optional(),
    stack_response_mode: z.string().optional(),
    hexclave_response_mode: z.string().optional(),
  }),
  handler: async ({ ctx, query, params, clientAddress }) => {
    const json = query.stack_response_mode === 'json' || query.hexclave_response_mode === 'json';
    const started = await startAuthorization(ctx, {
      providerId: params.provider_id ?? '',
      clientId: query.client_id,
      clientSecret: query.client_secret,
      redirectUri: query.redirect_uri,
      scope: query.scope,
      state: query.state,
      codeChallenge: query.code_challenge,
      codeChallengeMethod: query.code_challenge_method,
      type: query.type,
      token: query.token || undefined,
      errorRedirectUrl: query.error_redirect_url ?? query.error_redirect_uri,
      afterCallbackRedirectUrl: query.after_callback_redirect_url,
      providerScope: query.provider_scope || undefined,
      cookieBound: !json,
      clientAddress,
    });
    if (json) return ok({ location: started.location });
    return redirect(started.location, 307, {
      'set-cookie': cookie(ctx, innerCookieName(started.innerState), 'true', INNER_STATE_TTL_SECONDS),
    });
  },
});

const callbackParams = z.record(z.string(), z.string()).optional();

const callback = (method: 'GET' | 'POST') =>
  endpoint({
    method,
    path: '/auth/oauth/callback/:provider_id',
    access: 'public',
    query: callbackParams,
    body: method === 'POST' ? z.union([callbackParams, z.string()]) : z.unknown(),
    handler: async ({ ctx, query, body, params, headers, clientAddress, countryCode }) => {
      const merged = new URLSearchParams({ ...query, ...(typeof body === 'object' && body !== null ? body : {}) });
      const outcome = await finishCallback(ctx, {
        providerId: params.provider_id ?? '',
        params: merged,
        cookies: parseCookies(headers.get('cookie')),
        clientAddress,
        countryCode,
      });
      // After a form_post, every redirect is a 303, so the browser does not post the provider's form on to the app.
      const status = method === 'POST' ? 303 : outcome.status;
      return redirect(outcome.location, status, outcome.clearCookie ? { 'set-cookie': cookie(ctx, outcome.clearCookie, '', 0) } : {});
    },
  });

export const oauthCallbackGet = callback('GET');
export const oauthCallbackPost = callback('POST');

/**
 * The inner cookie: HttpOnly, on this server only. Over https it is `SameSite=None; Secure`, so that it also comes
 * with a provider's cross-site form_post; over plain http (development) a Secure cookie would be dropped, so it is
 * `SameSite=Lax`, which top-level redirects back from the provider still carry.
 */
function cookie(ctx: AppContext, name: string, value: string, maxAgeSeconds: number): string {
  const site = ctx.config.baseUrl.startsWith('https:') ? 'SameSite=None; Secure' : 'SameSite=Lax';
  return `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; ${site}`;
}

function parseCookies(header: string | null): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return cookies;
}
