/** Magic link / OTP sign-in: POST /auth/otp/send-sign-in-code, /auth/otp/sign-in and /auth/otp/sign-in/check-code. */
import { z } from 'zod';
import { checkSignInCode, sendSignInCode, signInWithCode } from '../../auth/otp-sign-in.js';
import { verificationCodeField } from '../../auth/verification-codes.js';
import { endpoint } from '../endpoint.js';
import { ok } from '../respond.js';
import { emailField } from '../../users/user-fields.js';

const ANY: ['client', 'server', 'admin'] = ['client', 'server', 'admin'];

export const otpSendSignInCode = endpoint({
  method: 'POST',
  path: '/auth/otp/send-sign-in-code',
  access: ANY,
  // bot_challenge_* (sent by newer SDKs when the project asks for a challenge) are accepted and not used.
  body: z.object({ email: emailField, callback_url: z.string().max(2048) }),
  handler: async ({ ctx, auth, body, clientAddress, countryCode }) =>
    ok(
      await sendSignInCode(ctx, {
        projectId: auth.project.project.id,
        config: auth.project.project.config,
        email: body.email,
        callbackUrl: body.callback_url,
        clientAddress,
        countryCode,
      }),
    ),
});

export const otpSignInCheckCode = endpoint({
  method: 'POST',
  path: '/auth/otp/sign-in/check-code',
  access: ANY,
  body: z.object({ code: verificationCodeField }),
  handler: async ({ ctx, auth, body }) => {
    await checkSignInCode(ctx, { projectId: auth.project.project.id, config: auth.project.project.config, code: body.code });
    return ok({ is_code_valid: true });
  },
});

export const otpSignIn = endpoint({
  method: 'POST',
  path: '/auth/otp/sign-in',
  access: ANY,
  body: z.object({ code: verificationCodeField }),
  handler: async ({ ctx, auth, body, clientAddress, countryCode }) => {
    const result = await signInWithCode(ctx, {
      projectId: auth.project.project.id,
      config: auth.project.project.config,
      code: body.code,
      currentUser: auth.user,
      clientAddress,
      countryCode,
    });
    return ok({
      access_token: result.access_token,
      refresh_token: result.refresh_token,
      is_new_user: result.is_new_user,
      user_id: result.user_id,
    });
  },
});
