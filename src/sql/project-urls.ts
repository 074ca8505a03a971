/**
 * The connection strings a project's app uses with `@neondatabase/serverless` and Drizzle, pointed at this server
 * with `neonConfig.fetchEndpoint = sqlEndpoint`. The authenticated URL's host starts with the project ID, which is
 * how /sql routes it (Neon's endpoint ID); the owner URL is the real database URL, for migrations over TCP too.
 */
import type { Config } from '../config/index.js';

export interface ProjectSqlUrls {
  sqlEndpoint: string;
  databaseUrl: string;
  databaseAuthenticatedUrl: string;
}

export function projectSqlUrls(
  config: Pick<Config, 'baseUrl' | 'databaseUrl'>,
  projectId: string,
  appDatabaseUrl: string | null,
): ProjectSqlUrls {
  const hostname = new URL(config.baseUrl).hostname;
  // An IP address cannot take a label in front (URL parsers reject "<id>.127.0.0.1"); the host only routes, so any name works.
  const baseHost = /^[0-9.]+$|^\[|^localhost$/.test(hostname) ? 'localhost' : hostname;
  const owner = appDatabaseUrl ?? config.databaseUrl;
  const database = owner ? decodeURIComponent(new URL(owner).pathname.slice(1)) || decodeURIComponent(new URL(owner).username) : 'postgres';
  return {
    sqlEndpoint: `${config.baseUrl}/sql`,
    // Embedded mode has no TCP endpoint: the owner reaches the database through /sql only.
    databaseUrl: owner ?? `postgresql://postgres:embedded@${projectId}.${baseHost}/postgres`,
    databaseAuthenticatedUrl: `postgresql://authenticated@${projectId}.${baseHost}/${encodeURIComponent(database)}`,
  };
}
