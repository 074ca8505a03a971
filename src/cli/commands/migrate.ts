/** `authsync migrate`: apply pending migrations and exit. */
import type { Command } from 'commander';
import { migrate } from '../../db/migrate.js';
import { openDatabase } from '../../db/open.js';
import { configFrom, withDatabaseOptions, type DatabaseOptions } from '../shared-options.js';

export function registerMigrate(program: Command): void {
  withDatabaseOptions(program.command('migrate').description('apply pending database migrations')).action(
    async (options: DatabaseOptions) => {
      const config = configFrom(options);
      const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, max: 1 });
      try {
        const applied = await migrate(db);
        process.stdout.write(
          applied.length
            ? `Applied ${applied.length} migration(s):\n${applied.map((v) => `  ${v}\n`).join('')}`
            : 'The database is up to date.\n',
        );
      } finally {
        await db.close();
      }
    },
  );
}
