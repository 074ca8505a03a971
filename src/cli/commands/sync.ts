/** `authsync sync status|resync|grant|typed-view|targets`: operating neon_auth.users_sync. */
import type { Command } from 'commander';
import { addProjectDatabase, databaseKey, removeSyncTarget } from '../../projects/databases.js';
import { getProject, isProjectId, notifyProjectChange } from '../../projects/projects.js';
import { withProjectDatabase } from '../../projects/provision.js';
import { SyncSetupError } from '../../sync/grants.js';
import { ensureTarget } from '../../sync/target-schema.js';
import { enableTypedView, grantAppRole } from '../../sync/grants.js';
import { resyncTarget } from '../../sync/resync.js';
import { syncStatus } from '../../sync/status.js';
import { selectTargets } from '../../sync/targets.js';
import { printJson } from '../output.js';
import { configFrom, withDatabaseOptions, type DatabaseOptions } from '../shared-options.js';
import { withSyncContext as withContext } from './sync-context.js';

interface TargetOptions extends DatabaseOptions {
  project?: string;
  target?: string;
  json?: boolean;
}

/** A one-line progress bar on a terminal; nothing when stderr is not one. */
function progressBar(label: string): ((done: number, total: number) => void) & { end(): void } {
  const tty = process.stderr.isTTY;
  const draw = (done: number, total: number) => {
    if (!tty) return;
    const width = 30;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
  };
  return Object.assign(draw, { end: () => tty && process.stderr.write('\n') });
}

export function registerSync(program: Command): void {
  const sync = program.command('sync').description('neon_auth.users_sync: status, repair, grants');

  withDatabaseOptions(
    sync.command('status').description('per target: pending changes, lag, last applied, last error').option('--project <id>', 'one project').option('--json', 'print JSON'),
  ).action(async (options: TargetOptions) => {
    const statuses = await withContext(configFrom(options), async (ctx) => {
      await selectTargets(ctx, { projectId: options.project });
      return syncStatus(ctx.db, options.project?.toLowerCase());
    });
    if (options.json) return printJson(statuses);
    for (const s of statuses) {
      process.stdout.write(
        `${s.projectId}  ${s.target}  ${s.mode}  pending=${s.pending}  lag=${s.lagSeconds.toFixed(3)}s  last_applied=${s.lastAppliedAt ?? '-'}${s.lastError ? `  error: ${s.lastError}` : ''}\n`,
      );
    }
  });

  withDatabaseOptions(
    sync
      .command('resync')
      .description('compare users with each users_sync table and repair missing, edited or deleted rows (and a dropped table)')
      .option('--project <id>', 'one project')
      .option('--target <url>', 'one database of the project(s)')
      .option('--json', 'print JSON'),
  ).action(async (options: TargetOptions) => {
    const reports = await withContext(configFrom(options), async (ctx) => {
      const results = [];
      for (const target of await selectTargets(ctx, { projectId: options.project, targetUrl: options.target })) {
        const bar = progressBar(`${target.projectId.slice(0, 8)} ${target.key}`);
        const report = await withProjectDatabase(ctx, target, (db) =>
          resyncTarget(ctx.db, db, target.projectId, { outbox: target.url !== null, onProgress: bar }),
        );
        bar.end();
        results.push({ projectId: target.projectId, target: target.key, ...report });
      }
      return results;
    });
    if (options.json) return printJson(reports);
    for (const r of reports) process.stdout.write(`${r.projectId}  ${r.target}  compared=${r.compared}  repaired=${r.repaired}\n`);
  });

  withDatabaseOptions(
    sync
      .command('grant')
      .description('give an app role USAGE on neon_auth and SELECT, REFERENCES on users_sync (re-runnable; kept when the table is re-created)')
      .requiredOption('--project <id>', 'the project')
      .requiredOption('--role <role>', 'the database role of the app')
      .option('--target <url>', 'one database of the project (default: all)'),
  ).action(async (options: TargetOptions & { role: string }) => {
    await withContext(configFrom(options), async (ctx) => {
      for (const target of await selectTargets(ctx, { projectId: options.project, targetUrl: options.target })) {
        await withProjectDatabase(ctx, target, (db) => grantAppRole(db, options.role));
        process.stdout.write(`granted ${options.role} on ${target.key}\n`);
      }
    });
  });

  withDatabaseOptions(
    sync
      .command('typed-view')
      .description('create neon_auth.users_sync_typed: typed columns (email_verified, profile_image_url, is_anonymous, ...) over users_sync')
      .requiredOption('--project <id>', 'the project')
      .option('--target <url>', 'one database of the project (default: all)'),
  ).action(async (options: TargetOptions) => {
    await withContext(configFrom(options), async (ctx) => {
      for (const target of await selectTargets(ctx, { projectId: options.project, targetUrl: options.target })) {
        await withProjectDatabase(ctx, target, (db) => enableTypedView(db));
        process.stdout.write(`neon_auth.users_sync_typed ready on ${target.key}\n`);
      }
    });
  });

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
