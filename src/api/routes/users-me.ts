/** The signed-in user: GET/PATCH/DELETE /users/me, in the client shape for client access, the server shape otherwise. */
import { TextError, errors } from '../../errors/known-errors.js';
import { toClientUser, toServerUser, type UserRow } from '../../users/user-object.js';
import { imageTarget } from '../../storage/image-store.js';
import { toUserFields } from '../../users/user-input.js';
import type { RequestAuth } from '../request-auth.js';
import { endpoint } from '../endpoint.js';
import { ok } from '../respond.js';
import { clientUserUpdateSchema, serverUserUpdateSchema } from '../../users/user-fields.js';

const ANY: ['client', 'server', 'admin'] = ['client', 'server', 'admin'];

function currentUser(auth: RequestAuth): UserRow {
  if (!auth.user) throw errors.cannotGetOwnUserWithoutUser();
  return auth.user;
}

function shape(auth: RequestAuth, user: UserRow) {
  return auth.accessType === 'client' ? toClientUser(user) : toServerUser(user);
}

export const getMe = endpoint({
  method: 'GET',
  path: '/users/me',
  access: ANY,
  handler: async ({ auth }) => ok(shape(auth, currentUser(auth))),
});

export const updateMe = endpoint({
  method: 'PATCH',
  path: '/users/me',
  access: ANY,
  bodyFor: (accessType) => (accessType === 'client' ? clientUserUpdateSchema : serverUserUpdateSchema),
  body: serverUserUpdateSchema,
  handler: async ({ ctx, auth, body }) => {
    const user = currentUser(auth);
    const fields = await toUserFields(body, user, imageTarget(ctx, user.project_id));
    const updated = await ctx.users.update(user.project_id, user.id, fields);
    if (!updated) throw errors.cannotGetOwnUserWithoutUser();
    return ok(shape(auth, updated));
  },
});

export const deleteMe = endpoint({
  method: 'DELETE',
  path: '/users/me',
  access: ANY,
  handler: async ({ ctx, auth }) => {
    const user = currentUser(auth);
    if (auth.accessType === 'client' && !auth.project.project.config.client_user_deletion_enabled) {
      throw new TextError('CLIENT_USER_DELETION_DISABLED', 400, 'Client user deletion is not enabled for this project');
    }
    await ctx.users.delete(user.project_id, user.id);
    return ok({ success: true });
  },
});
