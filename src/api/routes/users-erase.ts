/** POST /users/{user_id}/erase (server access): delete the user and remove its users_sync row (see src/sync/erase.ts). */
import { errors } from '../../errors/known-errors.js';
import { eraseUser } from '../../sync/erase.js';
import { endpoint } from '../endpoint.js';
import { ok } from '../respond.js';
import { resolveUserId } from './users.js';

export const eraseUserEndpoint = endpoint({
  method: 'POST',
  path: '/users/:user_id/erase',
  access: ['server', 'admin'],
  handler: async ({ ctx, auth, params }) => {
    if (!(await eraseUser(ctx, auth.project.project.id, resolveUserId(auth, params.user_id!)))) throw errors.userNotFound();
    return ok({ success: true });
  },
});
