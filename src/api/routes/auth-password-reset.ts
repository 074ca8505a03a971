/** Password reset: POST /auth/password/send-reset-code, /auth/password/reset/check-code and /auth/password/reset. */
import { z } from 'zod';
import { SEND_RESET_CODE_ANSWER, checkPasswordResetCode, resetPassword, sendPasswordResetCode } from '../../auth/password-reset.js';
import { verificationCodeField } from '../../auth/verification-codes.js';
import { endpoint } from '../endpoint.js';
import { ok } from '../respond.js';
import { emailField } from '../../users/user-fields.js';

const ANY: ['client', 'server', 'admin'] = ['client', 'server', 'admin'];

export const passwordSendResetCode = endpoint({
  method: 'POST',
  path: '/auth/password/send-reset-code',
  access: ANY,
  body: z.object({ email: emailField, callback_url: z.string().max(2048) }),
  handler: async ({ ctx, auth, body, clientAddress }) => {
    await sendPasswordResetCode(ctx, {
      projectId: auth.project.project.id,
      config: auth.project.project.config,
      email: body.email,
      callbackUrl: body.callback_url,
      clientAddress,
    });
    return ok(SEND_RESET_CODE_ANSWER);
  },
});

export const passwordResetCheckCode = endpoint({
  method: 'POST',
  path: '/auth/password/reset/check-code',
  access: ANY,
  body: z.object({ code: verificationCodeField }),
  handler: async ({ ctx, auth, body }) => {
    await checkPasswordResetCode(ctx, { projectId: auth.project.project.id, config: auth.project.project.config, code: body.code });
    return ok({ is_code_valid: true });
  },
});

export const passwordReset = endpoint({
  method: 'POST',
  path: '/auth/password/reset',
  access: ANY,
  body: z.object({ code: verificationCodeField, password: z.string() }),
  handler: async ({ ctx, auth, body }) => {
    await resetPassword(ctx, {
      projectId: auth.project.project.id,
      config: auth.project.project.config,
      code: body.code,
      password: body.password,
    });
    return ok({ success: true });
  },
});
