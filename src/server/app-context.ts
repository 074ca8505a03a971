/** Builds the application context: configuration → database (migrated) → secret → caches and stores. */
import path from 'node:path';
import { pino, type Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { AppContext } from '../context/app-context.js';
import { SecretBox } from '../crypto/secret-box.js';
import { channelNames } from '../db/channels.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';
import { ProjectDirectory } from '../projects/directory.js';
import { RateLimits } from '../rate-limit/limits.js';
import { TokenBuckets } from '../rate-limit/token-buckets.js';
import { installUsersSync } from '../sync/install.js';
import { createPersonalTeam, renamePersonalTeam } from '../teams/personal-team.js';
import { syncPrimaryChannel } from '../users/contact-channels.js';
import { UserStore } from '../users/user-store.js';
import { checkSecret, readOrCreateSecret } from './secret.js';

export interface OpenedContext {
  ctx: AppContext;
  close(): Promise<void>;
}

export async function openContext(config: Config, options: { log?: Logger; db?: Database } = {}): Promise<OpenedContext> {
  const log = options.log ?? pino({ level: config.logLevel, base: undefined });
  const secret = readOrCreateSecret(config);
  // The internal NOTIFY channels are named from the secret, so end users running SQL here cannot send on them.
  const db =
    options.db ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, channels: channelNames(secret) }));
  try {
    await migrate(db);
    const box = new SecretBox(secret);
    await checkSecret(db, box, config.secret ? 'AUTHSYNC_SECRET' : path.join(config.dataDir, 'secret'));
    const directory = new ProjectDirectory(db, box);
    await directory.start();
    const users = new UserStore(db, { maxMetadataBytes: config.maxMetadataBytes });
    // First: a change the primary channel refuses (an auth address taken by a channel) aborts before users_sync writes.
    users.onChange(syncPrimaryChannel);
    users.onCreate(createPersonalTeam);
    users.onUpgrade(renamePersonalTeam);
    await installUsersSync(db, users);
    const buckets = new TokenBuckets(db, (error) => log.warn({ err: error }, 'pruning rate-limit buckets failed'));
    const limits = new RateLimits(buckets, config, secret, log);
    const ctx: AppContext = { config, db, log, box, directory, users, limits, serverSecret: secret };
    return {
      ctx,
      async close() {
        await directory.stop();
        if (!options.db) await db.close();
      },
    };
  } catch (error) {
    if (!options.db) await db.close().catch(() => undefined);
    throw error;
  }
}
