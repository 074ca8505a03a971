/** Path parameters and principals shared by the team endpoints. */
import { z } from 'zod';
import { errors } from '../../errors/known-errors.js';
import type { UserRow } from '../../users/user-object.js';
import type { RequestAuth } from '../request-auth.js';
import { uuidField } from './fields.js';
import { resolveUserId } from './users.js';

/** The path parameters of an endpoint under /teams/{team_id}, checked with its query and body (api/router.ts). */
export const teamPathSchema = z.object({
  team_id: z.string().refine((value) => uuidField.safeParse(value).success, { message: 'must be a valid UUID' }),
});

/** A team ID from the path: a UUID (SCHEMA_ERROR otherwise), lower-cased. */
export function teamIdParam(value: string | undefined, name = 'team_id'): string {
  if (!value || !uuidField.safeParse(value).success)
    throw errors.schemaError(`Request validation failed:\n  - params.${name} must be a valid UUID`);
  return value.toLowerCase();
}

/** A user ID from the path or query: `me` (the signed-in user) or a UUID. */
export function userIdParam(auth: RequestAuth, value: string | undefined): string {
  return resolveUserId(auth, value ?? '');
}

/** The signed-in user of a client request that needs one (USER_AUTHENTICATION_REQUIRED without). */
export function signedInUser(auth: RequestAuth): UserRow {
  if (!auth.user) throw errors.userAuthenticationRequired();
  return auth.user;
}

export const isClient = (auth: RequestAuth) => auth.accessType === 'client';
