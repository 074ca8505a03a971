/** Opens the configured database: PostgreSQL when a URL is given, else the embedded PGlite directory. */
import path from 'node:path';
import type { ChannelNames } from './channels.js';
import type { Database } from './database.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

export interface OpenOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  /** Pool size for PostgreSQL. */
  max?: number;
  /** The internal NOTIFY channels' names, from the server secret (see channels.ts); without them, no listen/notify. */
  channels?: ChannelNames;
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  const channels = options.channels ? { channels: options.channels } : {};
  if (options.databaseUrl) return openPostgres(options.databaseUrl, { max: options.max ?? 10, ...channels });
  return openPglite(path.resolve(options.dataDir), channels);
}
