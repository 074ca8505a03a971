/**
 * GET /api/v1: Stack's plain-text welcome, which also says how the request authenticated. It takes no query
 * parameters (any is a SCHEMA_ERROR) and checks the Stack headers exactly as every other endpoint does, so a wrong
 * project, key or branch gets the same error here; without an access type it answers "Authentication: None".
 */
import { z } from 'zod';
import { publicProjectId } from '../../projects/internal-id.js';
import type { RequestAuth } from '../request-auth.js';
import { endpoint } from '../endpoint.js';
import { okText } from '../respond.js';

const WELCOME = 'Welcome to the Stack API endpoint! Please refer to the documentation at https://docs.stack-auth.com.';

export function welcomeText(auth: RequestAuth | null): string {
  if (!auth) return `${WELCOME}\n\nAuthentication: None`;
  const accessType = auth.accessType.charAt(0).toUpperCase() + auth.accessType.slice(1);
  const user = auth.user ? (auth.user.primary_email ?? auth.user.id) : 'None';
  return `${WELCOME}\n\nAuthentication: ${accessType}\n  Project: ${publicProjectId(auth.project.project.id)}\n  User: ${user}`;
}

const indexSpec = {
  method: 'GET',
  access: 'optional',
  query: z.strictObject({}),
  handler: async ({ auth }: { auth: RequestAuth | null }) => okText(welcomeText(auth)),
} as const;

export const apiIndex = endpoint({ ...indexSpec, path: '' });
/** The same with a trailing slash. */
export const apiIndexSlash = endpoint({ ...indexSpec, path: '/' });
