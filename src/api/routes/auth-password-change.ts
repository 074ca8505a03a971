/** POST /auth/password/update and /auth/password/set: the signed-in user's own password. */
import { z } from 'zod';
import { setPassword, updatePassword } from '../../auth/password-change.js';
import { endpoint } from '../endpoint.js';
import { stackHeader } from '../headers.js';
import type { RequestAuth } from '../request-auth.js';
import { ok } from '../respond.js';
import { API_PREFIX } from '../router.js';
import { schemaErrorFor } from '../schema-error.js';

/** The signed-in user; without one, Stack's schema error for its `auth.user` (these endpoints declare it required). */
function signedInUser(auth: RequestAuth, path: string) {
  if (!auth.user) throw schemaErrorFor('POST', `${API_PREFIX}${path}`, ['auth.user must be defined']);
  return auth.user;
}

export const passwordUpdate = endpoint({
  method: 'POST',
  path: '/auth/password/update',
  access: ['client', 'server', 'admin'],
  body: z.object({ old_password: z.string().max(1024), new_password: z.string() }),
  handler: async ({ ctx, auth, body, headers, clientAddress }) => {
    await updatePassword(ctx, {
      config: auth.project.project.config,
      user: signedInUser(auth, '/auth/password/update'),
      oldPassword: body.old_password,
      newPassword: body.new_password,
      currentRefreshToken: stackHeader(headers, 'refresh-token'),
      clientAddress,
    });
    return ok({ success: true });
  },
});

export const passwordSet = endpoint({
  method: 'POST',
  path: '/auth/password/set',
  access: ['client', 'server', 'admin'],
  body: z.object({ password: z.string() }),
  handler: async ({ ctx, auth, body, headers, clientAddress }) => {
    await setPassword(ctx, {
      config: auth.project.project.config,
      user: signedInUser(auth, '/auth/password/set'),
      password: body.password,
      currentRefreshToken: stackHeader(headers, 'refresh-token'),
      clientAddress,
    });
    return ok({ success: true });
  },
});
