/** `authsync project create|list`. */
import type { Command } from 'commander';
import { createProject, listProjects } from '../../projects/projects.js';
import { provisionProject } from '../../projects/provision.js';
import { jwksUrl } from '../../server/server.js';
import { projectSqlUrls } from '../../sql/project-urls.js';
import { printFields, printJson } from '../output.js';
import { configFrom, withDatabaseOptions, type DatabaseOptions } from '../shared-options.js';
import { withContext } from '../with-context.js';

interface CreateOptions extends DatabaseOptions {
  name: string;
  id?: string;
  publishableClientKey?: string;
  secretServerKey?: string;
  superSecretAdminKey?: string;
  appDatabaseUrl?: string;
  syncDatabaseUrl: string[];
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerProject(program: Command): void {
  const project = program.command('project').description('manage projects');

  withDatabaseOptions(
    project
      .command('create')
      .description('create a project and print its ID, keys and JWKS URL (the keys are shown this once)')
      .requiredOption('--name <name>', 'display name')
      .option('--id <uuid>', 'keep an existing project ID (e.g. a Legacy Neon Auth project)')
      .option('--publishable-client-key <key>', 'keep an existing publishable client key')
      .option('--secret-server-key <key>', 'keep an existing secret server key')
      .option('--super-secret-admin-key <key>', 'keep an existing super secret admin key')
      .option('--app-database-url <url>', "the app's database, where neon_auth.users_sync is kept (default: the server's own database)")
      .option('--sync-database-url <url>', 'an extra database to keep neon_auth.users_sync in (repeatable)', collect, [])
      .option('--json', 'print one JSON object'),
  ).action(async (options: CreateOptions) => {
    const config = configFrom(options);
    const { project: created, keys } = await withContext(config, async (ctx) => {
      const made = await createProject(ctx.db, ctx.box, {
        displayName: options.name,
        ...(options.id ? { id: options.id } : {}),
        ...(options.appDatabaseUrl ? { appDatabaseUrl: options.appDatabaseUrl } : {}),
        syncDatabaseUrls: options.syncDatabaseUrl,
        keys: {
          ...(options.publishableClientKey ? { publishableClientKey: options.publishableClientKey } : {}),
          ...(options.secretServerKey ? { secretServerKey: options.secretServerKey } : {}),
          ...(options.superSecretAdminKey ? { superSecretAdminKey: options.superSecretAdminKey } : {}),
        },
      });
      // neon_auth.users_sync in the app database and the sync targets; a target down now is set up by the server later.
      await provisionProject(ctx, made.project.id).catch((error: Error) =>
        process.stderr.write(`authsync: warning: could not prepare a users_sync database yet (${error.message}); the server retries.\n`),
      );
      return made;
    });
    const result = {
      projectId: created.id,
      displayName: created.displayName,
      publishableClientKey: keys.publishableClientKey,
      secretServerKey: keys.secretServerKey,
      superSecretAdminKey: keys.superSecretAdminKey,
      jwksUrl: jwksUrl(config.baseUrl, created.id),
      apiUrl: config.baseUrl,
      ...projectSqlUrls(config, created.id, options.appDatabaseUrl ?? null),
    };
    if (options.json) printJson(result);
    else printFields(result);
  });

  withDatabaseOptions(project.command('list').description('list projects').option('--json', 'print JSON')).action(
    async (options: DatabaseOptions & { json?: boolean }) => {
      const config = configFrom(options);
      const projects = await withContext(config, (ctx) => listProjects(ctx.db));
      const rows = projects.map((p) => ({ projectId: p.id, displayName: p.displayName, createdAt: p.createdAt.toISOString(), jwksUrl: jwksUrl(config.baseUrl, p.id) }));
      if (options.json) printJson(rows);
      else for (const row of rows) process.stdout.write(`${row.projectId}  ${row.displayName}  (created ${row.createdAt})\n`);
    },
  );
}
