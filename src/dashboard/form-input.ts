/**
 * The user form of the dashboard → the user schemas of POST/PATCH /users (users/user-fields.ts), so a user created or
 * edited here is checked exactly as one sent to the API.
 */
import { serverUserCreateSchema, serverUserUpdateSchema, type UserInput } from '../users/user-fields.js';
import type { Form } from './form.js';

function common(form: Form): Record<string, unknown> {
  const email = form.primary_email?.trim() ?? '';
  const name = form.display_name?.trim() ?? '';
  const input: Record<string, unknown> = {
    display_name: name === '' ? null : name,
    primary_email: email === '' ? null : email,
    primary_email_verified: email !== '' && form.primary_email_verified === 'on',
    primary_email_auth_enabled: email !== '' && form.primary_email_auth_enabled === 'on',
  };
  if (form.password) input.password = form.password;
  return input;
}

export function userCreateInput(form: Form): UserInput {
  const input = common(form);
  if (input.primary_email === null) delete input.primary_email;
  return serverUserCreateSchema.parse(input);
}

export function userUpdateInput(form: Form): UserInput {
  const input = common(form);
  if (form.remove_password === 'on') input.password = null;
  return serverUserUpdateSchema.parse(input);
}
