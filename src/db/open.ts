/** Opens the configured database: PostgreSQL when a URL is given, else the embedded PGlite directory. */
import path from 'node:path';
import type { Database } from './database.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

export interface OpenOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  /** Pool size for PostgreSQL. */
  max?: number;
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, { max: options.max ?? 10 });
  return openPglite(path.resolve(options.dataDir));
}
