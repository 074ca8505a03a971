/**
 * Reading submitted forms and turning failures the user can fix into messages for the page, through the one message
 * mapper the CLI shares (errors/user-message.ts). Anything else is a bug and goes on to the server's error handler,
 * which logs it with its stack and answers a generic 500.
 */
import type { Context } from 'hono';
import { AppError } from '../errors/app-error.js';
import { userMessage } from '../errors/user-message.js';

/** A failure caused by what the user typed in a dashboard form; its message is shown on the page. */
export function inputError(message: string): AppError {
  return new AppError('DASHBOARD_INPUT', 400, message);
}

export type Form = Record<string, string>;

/** The text fields of a submitted form (files are ignored; the body size is limited upstream). */
export async function readForm(c: Context): Promise<Form> {
  const type = c.req.header('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) return {};
  const body = await c.req.parseBody();
  const form: Form = {};
  for (const [key, value] of Object.entries(body)) if (typeof value === 'string') form[key] = value;
  return form;
}

/** Runs `action`; an expected failure becomes a message, anything else is rethrown. */
export async function attempt<T>(action: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await action() };
  } catch (error) {
    const shown = userMessage(error);
    if (!shown.expected) throw error;
    return { ok: false, error: shown.message };
  }
}
