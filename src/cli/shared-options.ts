/** Options every command that opens the server's database takes, and how they become a Config. */
import type { Command } from 'commander';
import { loadConfig, type Config } from '../config/index.js';

export interface DatabaseOptions {
  databaseUrl?: string;
  dataDir?: string;
  baseUrl?: string;
}

export function withDatabaseOptions(command: Command): Command {
  return command
    .option('--database-url <url>', 'PostgreSQL connection string (env DATABASE_URL); without it, the embedded database')
    .option('--data-dir <dir>', 'directory of the embedded database and the server secret (env AUTHSYNC_DATA_DIR)', undefined)
    .option(
      '--base-url <url>',
      'public URL of the server, for printed URLs (env AUTHSYNC_BASE_URL; default: the one the last server to start on the database recorded)',
    );
}

export function configFrom(
  options: DatabaseOptions & { port?: string; host?: string; logLevel?: string; allowEmbeddedSqlOnNetwork?: boolean; workers?: string },
): Config {
  return loadConfig({
    ...(options.databaseUrl !== undefined ? { databaseUrl: options.databaseUrl } : {}),
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.logLevel !== undefined ? { logLevel: options.logLevel } : {}),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.allowEmbeddedSqlOnNetwork !== undefined ? { allowEmbeddedSqlOnNetwork: options.allowEmbeddedSqlOnNetwork } : {}),
  });
}
