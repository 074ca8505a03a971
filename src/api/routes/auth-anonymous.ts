/**
 * POST /auth/anonymous/sign-up: a new anonymous user and its session (browser SDKs ≥ 2.8.77 ask for one). Anyone
 * holding the publishable key may call it, so it is limited per client address.
 */
import { finishSignIn, openSession, type OpenedSession } from '../../auth/issue.js';
import { errors } from '../../errors/known-errors.js';
import { endpoint } from '../endpoint.js';
import { ok } from '../respond.js';

export const anonymousSignUp = endpoint({
  method: 'POST',
  path: '/auth/anonymous/sign-up',
  access: ['client', 'server', 'admin'],
  handler: async ({ ctx, auth, clientAddress }) => {
    if (!auth.project.project.config.sign_up_enabled) throw errors.signUpNotEnabled();
    await ctx.limits.anonymousSignUp(auth.project.project.id, clientAddress);
    let opened: OpenedSession | undefined;
    await ctx.users.create(auth.project.project.id, { is_anonymous: true }, async (tx, user) => {
      opened = await openSession(ctx, tx, user);
    });
    return ok(await finishSignIn(ctx, opened!));
  },
});
