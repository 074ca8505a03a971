/** The password rules of every user, whichever way the password arrives (sign-up, POST/PATCH /users, the dashboard). */
import { errors } from '../errors/known-errors.js';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 70;

/** Throws PASSWORD_TOO_SHORT / PASSWORD_TOO_LONG. */
export function checkPasswordRules(password: string): void {
  if (password.length < PASSWORD_MIN_LENGTH) throw errors.passwordTooShort(PASSWORD_MIN_LENGTH);
  if (password.length > PASSWORD_MAX_LENGTH) throw errors.passwordTooLong(PASSWORD_MAX_LENGTH);
}
