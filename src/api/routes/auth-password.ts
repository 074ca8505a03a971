/** POST /auth/password/sign-up and /auth/password/sign-in. */
import { z } from 'zod';
import { signInWithPassword, signUpWithPassword } from '../../auth/password-auth.js';
import { checkPasswordAtOldServer } from '../../import/lazy-passwords-check.js';
import { endpoint } from '../endpoint.js';
import { ok } from '../respond.js';
import { emailField } from '../../users/user-fields.js';

export const passwordSignUp = endpoint({
  method: 'POST',
  path: '/auth/password/sign-up',
  access: ['client', 'server', 'admin'],
  body: z.object({
    email: emailField,
    password: z.string(),
    // Sent by the SDK by default: the link of the e-mail verification mail queued with the new user.
    verification_callback_url: z.string().max(2048).optional(),
  }),
  handler: async ({ ctx, auth, body, clientAddress, countryCode }) =>
    ok(
      await signUpWithPassword(ctx, {
        projectId: auth.project.project.id,
        config: auth.project.project.config,
        email: body.email,
        password: body.password,
        currentUser: auth.user,
        clientAddress,
        countryCode,
        verificationCallbackUrl: body.verification_callback_url,
      }),
    ),
});

export const passwordSignIn = endpoint({
  method: 'POST',
  path: '/auth/password/sign-in',
  access: ['client', 'server', 'admin'],
  body: z.object({ email: z.string().min(1).max(256), password: z.string().max(1024) }),
  handler: async ({ ctx, auth, body, clientAddress }) =>
    ok(
      await signInWithPassword(ctx, {
        projectId: auth.project.project.id,
        config: auth.project.project.config,
        email: body.email,
        password: body.password,
        clientAddress,
        // Imported users whose password still lives at the old server (docs/migration.md).
        passwordElsewhere: checkPasswordAtOldServer,
      }),
    ),
});
