/**
 * SCHEMA_ERROR's message, worded as Stack words it: a first line naming the request, then one line per problem, in
 * the phrasing of the validator Stack's server uses ("body.email must be a valid email", "body contains unknown
 * properties: x"). Apps and test suites compare these texts, so zod's issues are rephrased here; an issue with no
 * Stack phrasing keeps zod's message after its path.
 */
import type { z } from 'zod';
import { errors, KnownError } from '../errors/known-errors.js';

/** Where an input came from, as the first word of its path. */
export type InputPart = 'body' | 'query' | 'params';

export function schemaErrorFor(method: string, pathname: string, problems: readonly string[]): ReturnType<typeof errors.schemaError> {
  return errors.schemaError(`Request validation failed on ${method} ${pathname}:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
}

/**
 * A SCHEMA_ERROR raised below the router (a path parameter checked by a handler, a size limit in a store) starts
 * "Request validation failed:" without the request; the router names it here, so every such error reads as Stack's.
 */
export function nameRequestInSchemaError(error: unknown, method: string, pathname: string): unknown {
  if (!(error instanceof KnownError) || error.code !== 'SCHEMA_ERROR') return error;
  const bare = 'Request validation failed:\n';
  if (!error.message.startsWith(bare)) return error;
  return errors.schemaError(`Request validation failed on ${method} ${pathname}:\n${error.message.slice(bare.length)}`);
}

export function describeIssue(where: InputPart, issue: z.core.$ZodIssue): string {
  // As Stack's validator writes a path: keys joined by dots, array indices in brackets (`body.items[0].id`).
  const path = issue.path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}.${String(key)}`), where);
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${path} contains unknown properties: ${issue.keys.join(', ')}`;
    case 'invalid_type':
      if (issue.input === undefined) return `${path} must be defined`;
      return `${path} must be a \`${yupType(issue.expected)}\` type, but the final value was: \`${printValue(issue.input)}\`.`;
    case 'invalid_format':
      if (issue.format === 'email') return `${path} must be a valid email`;
      if (issue.format === 'uuid' || issue.format === 'guid') return `${path} must be a valid UUID`;
      if (issue.format === 'url') return `${path} is not a valid URL`;
      return `${path}: ${issue.message}`;
    case 'too_small':
      if (issue.origin === 'string') {
        return Number(issue.minimum) === 1 ? `${path} must not be empty` : `${path} must be at least ${issue.minimum} characters`;
      }
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        return `${path} must be greater than or equal to ${issue.minimum}`;
      }
      if (issue.origin === 'array') return `${path} field must have at least ${issue.minimum} items`;
      return `${path}: ${issue.message}`;
    case 'too_big':
      if (issue.origin === 'string') return `${path} must be at most ${issue.maximum} characters`;
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        return `${path} must be less than or equal to ${issue.maximum}`;
      }
      if (issue.origin === 'array') return `${path} field must have less than or equal to ${issue.maximum} items`;
      return `${path}: ${issue.message}`;
    case 'invalid_value':
      return `${path} must be one of the following values: ${issue.values.map(String).join(', ')}`;
    case 'custom':
      // Our own refinements are worded to follow the path ("must be a valid email", "is not valid base64"), except
      // those whose line in Stack names no path (`params.withoutPath`).
      if ((issue.params as { withoutPath?: boolean } | undefined)?.withoutPath) return issue.message;
      return `${path} ${issue.message}`;
    default:
      return `${path}: ${issue.message}`;
  }
}

/** zod's type names as the validator Stack uses names them in its type errors. */
function yupType(expected: string): string {
  switch (expected) {
    case 'int':
      return 'number';
    case 'record':
      return 'object';
    default:
      return expected;
  }
}

/** A value the way that validator prints it in a message: strings quoted, everything else as JSON. */
function printValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value) || typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
