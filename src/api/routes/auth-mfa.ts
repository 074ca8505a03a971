/** POST /auth/mfa/sign-in: the second factor of a sign-in that answered MULTI_FACTOR_AUTHENTICATION_REQUIRED. */
import { z } from 'zod';
import { signInWithTotp } from '../../auth/mfa.js';
import { verificationCodeField } from '../../auth/verification-codes.js';
import { endpoint } from '../endpoint.js';
import { ok } from '../respond.js';

export const mfaSignIn = endpoint({
  method: 'POST',
  path: '/auth/mfa/sign-in',
  access: ['client', 'server', 'admin'],
  body: z.object({ type: z.enum(['totp']), totp: z.string().max(64), code: verificationCodeField }),
  handler: async ({ ctx, auth, body, clientAddress }) =>
    ok(await signInWithTotp(ctx, { projectId: auth.project.project.id, code: body.code, totp: body.totp, clientAddress })),
});
