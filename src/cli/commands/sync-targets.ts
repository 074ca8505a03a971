/** `authsync sync targets add|remove`: a project's extra users_sync databases, after the project was created. */
import type { Command } from 'commander';
import { addSyncTarget, removeSyncTarget } from '../../sync/targets.js';
import { printJson } from '../output.js';
import { configFrom, withDatabaseOptions, type DatabaseOptions } from '../shared-options.js';
import { withContext } from '../with-context.js';

interface TargetCommandOptions extends DatabaseOptions {
  project: string;
  target: string;
  json?: boolean;
}

export function registerSyncTargets(sync: Command): void {
  const targets = sync.command('targets').description("a project's extra users_sync databases (its app database always has one)");

  withDatabaseOptions(
    targets
      .command('add')
      .description('keep neon_auth.users_sync in another database too: the table is created and filled, then kept up to date by the server')
      .requiredOption('--project <id>', 'the project')
      .requiredOption('--target <url>', 'the database to add, with the credentials authsync should use (postgres://…)')
      .option('--json', 'print JSON'),
  ).action(async (options: TargetCommandOptions) => {
    const added = await withContext(configFrom(options), (ctx) => addSyncTarget(ctx, options.project, options.target));
    // A database that cannot be reached yet is set up (and filled) by the server when it can.
    if (added.setupError !== undefined)
      process.stderr.write(`authsync: warning: could not prepare ${added.key} yet (${added.setupError}); the server retries.\n`);
    const result = { projectId: added.projectId, target: added.key, purpose: added.purpose, tableReady: added.setupError === undefined };
    if (options.json) return printJson(result);
    process.stdout.write(
      result.purpose === 'app'
        ? `${result.target} is the project's app database: users_sync is kept there already\n`
        : `added ${result.target}: the server fills neon_auth.users_sync there and keeps it up to date (see authsync sync status)\n`,
    );
  });

  withDatabaseOptions(
    targets
      .command('remove')
      .description('stop keeping neon_auth.users_sync in an extra database (the table there is left as it is)')
      .requiredOption('--project <id>', 'the project')
      .requiredOption('--target <url>', 'the database, as a URL (credentials are not needed: host, port and database name identify it)')
      .option('--json', 'print JSON'),
  ).action(async (options: TargetCommandOptions) => {
    const { projectId, key } = await withContext(configFrom(options), (ctx) => removeSyncTarget(ctx, options.project, options.target));
    if (options.json) return printJson({ projectId, removed: key });
    process.stdout.write(`removed ${key}: the server no longer writes there; its neon_auth.users_sync table is left as it is\n`);
  });
}
