/**
 * The environment block an app needs to use a project: the Stack SDK's variables and the database URLs.
 * The secret server key is stored only as a hash, so it appears as a placeholder unless it was just rotated.
 */
import type { AppContext } from '../context/app-context.js';
import { getAppDatabase } from '../projects/databases.js';
import type { Project } from '../projects/projects.js';
import { getPublishableClientKey } from '../projects/projects.js';
import { jwksUrl } from '../projects/signing-keys.js';
import { projectSqlUrls } from '../sql/project-urls.js';

export interface AppEnv {
  projectId: string;
  publishableClientKey: string | undefined;
  jwksUrl: string;
  apiUrl: string;
  /** The owner's and the `authenticated` role's connection strings of the app database, when the RLS kit provides them. */
  databaseUrl?: string;
  databaseAuthenticatedUrl?: string;
  /** Where `neonConfig.fetchEndpoint` points for the database URLs. */
  sqlEndpoint?: string;
}

export async function appEnv(ctx: AppContext, project: Project): Promise<AppEnv> {
  const urls = projectSqlUrls(ctx.config, project.id, (await getAppDatabase(ctx.db, ctx.box, project.id)).url);
  return {
    projectId: project.id,
    publishableClientKey: await getPublishableClientKey(ctx.db, ctx.box, project.id),
    jwksUrl: jwksUrl(ctx.config.baseUrl, project.id),
    apiUrl: ctx.config.baseUrl,
    databaseUrl: urls.databaseUrl,
    databaseAuthenticatedUrl: urls.databaseAuthenticatedUrl,
    sqlEndpoint: urls.sqlEndpoint,
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
  if (env.sqlEndpoint) lines.push(`# With @neondatabase/serverless, set neonConfig.fetchEndpoint = '${env.sqlEndpoint}'`);
  return lines.join('\n');
}
