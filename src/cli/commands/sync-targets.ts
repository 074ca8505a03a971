/** `authsync sync targets add|remove`: a project's extra users_sync databases, after the project was created. */
import type { Command } from 'commander';
import { addProjectDatabase, databaseKey, removeSyncTarget } from '../../projects/databases.js';
import { getProject, isProjectId, notifyProjectChange } from '../../projects/projects.js';
import { withProjectDatabase } from '../../projects/provision.js';
import { SyncSetupError } from '../../sync/grants.js';
import { ensureTarget } from '../../sync/target-schema.js';
import { printJson } from '../output.js';
import { configFrom, withDatabaseOptions, type DatabaseOptions } from '../shared-options.js';
import { withSyncContext as withContext } from './sync-context.js';

export function registerSyncTargets(sync: Command): void {
  const targets = sync.command('targets').description("a project's extra users_sync databases (its app database always has one)");

  withDatabaseOptions(
    targets
      .command('add')
      .description('keep neon_auth.users_sync in another database too: the table is created and filled, then kept up to date by the server')
      .requiredOption('--project <id>', 'the project')
      .requiredOption('--target <url>', 'the database to add, with the credentials authsync should use (postgres://…)')
      .option('--json', 'print JSON'),
  ).action(async (options: DatabaseOptions & { project: string; target: string; json?: boolean }) => {
    const result = await withContext(configFrom(options), async (ctx) => {
      const projectId = await existingProject(ctx.db, options.project);
      const key = targetKey(options.target);
      const target = await ctx.db.transaction(async (tx) => {
        const added = await addProjectDatabase(tx, ctx.box, projectId, 'sync_target', options.target);
        await notifyProjectChange(tx, projectId);
        return added;
      });
      // The table now; a database that cannot be reached yet is set up (and filled) by the server when it can.
      const ready = await withProjectDatabase(ctx, target, (db) => ensureTarget(db)).then(
        () => true,
        (error: Error) => {
          process.stderr.write(`authsync: warning: could not prepare ${key} yet (${error.message}); the server retries.\n`);
          return false;
        },
      );
      return { projectId, target: key, purpose: target.purpose, tableReady: ready };
    });
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
  ).action(async (options: DatabaseOptions & { project: string; target: string; json?: boolean }) => {
    const result = await withContext(configFrom(options), async (ctx) => {
      const projectId = await existingProject(ctx.db, options.project);
      const key = targetKey(options.target);
      await ctx.db.transaction(async (tx) => {
        const removed = await removeSyncTarget(tx, projectId, key);
        if (!removed && ctx.config.databaseUrl !== undefined && key === databaseKey(ctx.config.databaseUrl)) {
          throw new SyncSetupError(`${key} is the server's own database, which keeps users_sync for its projects: it is not an extra target.`);
        }
        if (!removed) throw new SyncSetupError(`${key} is not a users_sync database of that project (authsync sync status lists them).`);
        if (removed.purpose === 'app') throw new SyncSetupError(`${key} is the project's app database, not an extra target: it cannot be removed.`);
        await notifyProjectChange(tx, projectId);
      });
      return { projectId, removed: key };
    });
    if (options.json) return printJson(result);
    process.stdout.write(`removed ${result.removed}: the server no longer writes there; its neon_auth.users_sync table is left as it is\n`);
  });
}


async function existingProject(db: Parameters<typeof getProject>[0], id: string): Promise<string> {
  const projectId = id.toLowerCase();
  if (!isProjectId(projectId) || !(await getProject(db, projectId))) throw new SyncSetupError(`No project with the ID "${id}".`);
  return projectId;
}

function targetKey(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SyncSetupError(`"${url}" is not a database URL.`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw new SyncSetupError(`"${url}" is not a database URL (postgres://…).`);
  return databaseKey(url);
}
