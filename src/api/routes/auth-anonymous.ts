/**
 * POST /auth/anonymous/sign-up: a new anonymous user and its session (browser SDKs ≥ 2.8.77 ask for one). Anyone
 * holding the publishable key may call it, so it is limited per client address. As on Stack, it works while sign-up is
 * off: an anonymous user is restricted, its token is not `authenticated` in /sql, and turning it into a real account
 * (password, code or OAuth sign-up with its token) is a sign-up, refused while sign-up is off.
 */
import { finishSignIn, openSession, type OpenedSession } from '../../auth/issue.js';
import { signUpCountry } from '../../users/sign-up-country.js';
import { endpoint } from '../endpoint.js';
import { ok } from '../respond.js';

export const anonymousSignUp = endpoint({
  method: 'POST',
  path: '/auth/anonymous/sign-up',
  access: ['client', 'server', 'admin'],
  handler: async ({ ctx, auth, clientAddress, countryCode }) => {
    await ctx.limits.anonymousSignUp(auth.project.project.id, clientAddress);
    let opened: OpenedSession | undefined;
    const fields = { is_anonymous: true, ...signUpCountry(countryCode) };
    await ctx.users.create(auth.project.project.id, fields, async (tx, user) => {
      opened = await openSession(ctx, tx, user);
    });
    return ok(await finishSignIn(ctx, opened!));
  },
});
