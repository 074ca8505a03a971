/**
 * Connected accounts of the signed-in user: GET /connected-accounts/me, and the provider's access token of an account,
 * by provider (POST /connected-accounts/me/{provider_id}/access-token) or by provider and account
 * (POST /connected-accounts/me/{provider_id}/{account_id}/access-token, 2.8.102+).
 */
import { z } from 'zod';
import { errors } from '../../errors/known-errors.js';
import { connectedAccessToken, listConnectedAccounts } from '../../oauth/connected-accounts.js';
import { endpoint } from '../endpoint.js';
import { ok } from '../respond.js';

const ANY: ['client', 'server', 'admin'] = ['client', 'server', 'admin'];
const scopeBody = z.object({ scope: z.string().max(2048).optional() }).optional();

export const listConnectedAccountsOfMe = endpoint({
  method: 'GET',
  path: '/connected-accounts/me',
  access: ANY,
  handler: async ({ ctx, auth }) => {
    if (!auth.user) throw errors.cannotGetOwnUserWithoutUser();
    return ok({ items: await listConnectedAccounts(ctx, auth.project.project.id, auth.user.id), is_paginated: false });
  },
});

const accessTokenEndpoint = (path: string) =>
  endpoint({
    method: 'POST',
    path,
    access: ANY,
    body: scopeBody,
    handler: async ({ ctx, auth, body, params }) => {
      if (!auth.user) throw errors.cannotGetOwnUserWithoutUser();
      const accessToken = await connectedAccessToken(ctx, {
        projectId: auth.project.project.id,
        userId: auth.user.id,
        providerId: params.provider_id ?? '',
        accountId: params.account_id,
        scope: body?.scope ?? '',
      });
      return ok({ access_token: accessToken });
    },
  });

export const connectedAccountAccessToken = accessTokenEndpoint('/connected-accounts/me/:provider_id/access-token');
export const connectedAccountAccessTokenByAccount = accessTokenEndpoint('/connected-accounts/me/:provider_id/:account_id/access-token');
