/**
 * Reading submitted forms and turning expected failures into messages for the page. An error that is not
 * one of these is a bug and goes on to the server's error handler.
 */
import type { Context } from 'hono';
import { ZodError } from 'zod';
import { KnownError, TextError } from '../errors/known-errors.js';
import { ProjectInputError } from '../projects/projects.js';
import { ProviderInputError } from '../rls/providers.js';

/** A failure caused by what the user typed; its message is shown on the page. */
export class DashboardInputError extends Error {}

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

/** The message to show for an expected failure, or undefined for a bug. */
export function inputErrorMessage(error: unknown): string | undefined {
  if (
    error instanceof DashboardInputError ||
    error instanceof ProjectInputError ||
    error instanceof ProviderInputError ||
    error instanceof TextError
  )
    return error.message;
  if (error instanceof KnownError) return error.message;
  if (error instanceof ZodError) return error.issues.map((issue) => `${issue.path.join('.') || 'value'}: ${issue.message}`).join('; ');
  return undefined;
}

/** Runs `action`; an expected failure becomes a message, anything else is rethrown. */
export async function attempt<T>(action: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await action() };
  } catch (error) {
    const message = inputErrorMessage(error);
    if (message === undefined) throw error;
    return { ok: false, error: message };
  }
}
