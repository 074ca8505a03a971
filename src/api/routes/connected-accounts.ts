/** POST /connected-accounts/me/{provider_id}/access-token: the provider's access token of the signed-in user's account. */
import { z } from 'zod';
import { errors } from '../../errors/known-errors.js';
import { connectedAccessToken } from '../../oauth/connected-accounts.js';
import { endpoint } from '../endpoint.js';
import { ok } from '../respond.js';

export const connectedAccountAccessToken = endpoint({
  method: 'POST',
  path: '/connected-accounts/me/:provider_id/access-token',
  access: ['client', 'server', 'admin'],
  body: z.object({ scope: z.string().max(2048).optional() }).optional(),
  handler: async ({ ctx, auth, body, params }) => {
    if (!auth.user) throw errors.cannotGetOwnUserWithoutUser();
    const accessToken = await connectedAccessToken(ctx, {
      projectId: auth.project.project.id,
      userId: auth.user.id,
      providerId: params.provider_id ?? '',
      scope: body?.scope ?? '',
    });
    return ok({ access_token: accessToken });
  },
});
