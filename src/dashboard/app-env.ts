/**
 * The environment block an app needs to use a project: the Stack SDK's variables and the database URLs.
 * The secret server key is stored only as a hash, so it appears as a placeholder unless it was just rotated.
 */
import type { AppContext } from '../context.js';
import type { Project } from '../projects/projects.js';
import { getPublishableClientKey } from '../projects/projects.js';
import { jwksUrl } from '../server/server.js';

export interface AppEnv {
  projectId: string;
  publishableClientKey: string | undefined;
  jwksUrl: string;
  apiUrl: string;
  /** The owner's and the `authenticated` role's connection strings of the app database, when the RLS kit provides them. */
  databaseUrl?: string;
  databaseAuthenticatedUrl?: string;
}

export async function appEnv(ctx: AppContext, project: Project): Promise<AppEnv> {
  return {
    projectId: project.id,
    publishableClientKey: await getPublishableClientKey(ctx.db, ctx.box, project.id),
    jwksUrl: jwksUrl(ctx.config.baseUrl, project.id),
    apiUrl: ctx.config.baseUrl,
    // TODO(rls): take DATABASE_URL and DATABASE_AUTHENTICATED_URL from the RLS module's connection-string
    // function (issue 4: the same values `authsync project create --json` prints) once src/rls exports it.
  };
}

export function envBlock(env: AppEnv, secretServerKey?: string): string {
  const lines = [
    `NEXT_PUBLIC_STACK_PROJECT_ID=${env.projectId}`,
    `NEXT_PUBLIC_STACK_PUBLISHABLE_CLIENT_KEY=${env.publishableClientKey ?? '<publishable client key: none on record, rotate it with authsync keys rotate>'}`,
    `STACK_SECRET_SERVER_KEY=${secretServerKey ?? '<secret server key: shown once at creation; rotate it below to get a new one>'}`,
    `NEXT_PUBLIC_STACK_API_URL=${env.apiUrl}`,
    `# @stackframe/stack 2.6.x reads NEXT_PUBLIC_STACK_URL instead:`,
    `# NEXT_PUBLIC_STACK_URL=${env.apiUrl}`,
  ];
  if (env.databaseUrl) lines.push(`DATABASE_URL=${env.databaseUrl}`);
  if (env.databaseAuthenticatedUrl) lines.push(`DATABASE_AUTHENTICATED_URL=${env.databaseAuthenticatedUrl}`);
  if (!env.databaseUrl || !env.databaseAuthenticatedUrl) {
    lines.push('# DATABASE_URL and DATABASE_AUTHENTICATED_URL: not available from this server yet (see the RLS page).');
  }
  return lines.join('\n');
}
