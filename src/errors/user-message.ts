/**
 * The one mapper for the faces that show a line of text to a person: the CLI and the dashboard. An AppError shows
 * its public message, a ZodError its issues; anything else is unexpected, and shows a fixed text, never its own
 * message (which may hold internals: SQL, paths, addresses). The caller logs the unexpected error with its stack.
 */
import { ZodError } from 'zod';
import { AppError } from './app-error.js';

export const INTERNAL_ERROR_MESSAGE = 'internal error (a bug or an unexpected failure; the log has the details)';

export type UserMessage = { expected: true; message: string } | { expected: false; message: typeof INTERNAL_ERROR_MESSAGE };

export function userMessage(error: unknown): UserMessage {
  if (error instanceof AppError) return { expected: true, message: error.message };
  if (error instanceof ZodError) {
    return {
      expected: true,
      message: error.issues.map((issue) => `${issue.path.join('.') || 'value'}: ${issue.message}`).join('; '),
    };
  }
  return { expected: false, message: INTERNAL_ERROR_MESSAGE };
}
