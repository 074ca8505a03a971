/** `authsync rls install|optimize|lint|providers add|list|remove`. */
import type { Command } from 'commander';
import { openPostgres } from '../../db/postgres.js';
import { writeExtensionFiles } from '../../rls/extension-files.js';
import { handOverToOwner } from '../../rls/hand-over.js';
import { endUsersCanSignalBackends, installKit } from '../../rls/install.js';
import { addProvider, listProviders, removeProvider } from '../../rls/providers.js';
import { getProject } from '../../projects/projects.js';
import { readOrCreateSecret } from '../../server/secret.js';
import { SIGNAL_WARNING } from '../../sql/database-checks.js';
import { AppError } from '../../errors/app-error.js';
import { cliInputError, noSuchProject } from '../input-errors.js';
import { printJson } from '../output.js';
import { configFrom, withDatabaseOptions, type DatabaseOptions } from '../shared-options.js';
import { withContext } from '../with-context.js';
import { registerRlsLint, registerRlsOptimize } from './rls-optimize.js';

interface ProviderOptions extends DatabaseOptions {
  project: string;
  jwksUrl?: string;
  audience?: string;
  json?: boolean;
}

export function registerRls(program: Command): void {
  const rls = program.command('rls').description('row-level security: the SQL kit and the /sql token providers');

  rls
    .command('install')
    .description('install the RLS kit (roles authenticated/anonymous, schema auth, grants) into an app database')
    .requiredOption(
      '--database-url <url>',
      'the app database, as its owner with CREATEROLE (a superuser once if a kit role has SUPERUSER, BYPASSRLS or REPLICATION to take away: see docs/rls.md)',
    )
    .option('--data-dir <dir>', 'where the server secret is kept (env AUTHSYNC_DATA_DIR); the role passwords derive from it')
    .option('--extension-dir <dir>', "also write a no-op pg_session_jwt extension there (PostgreSQL's sharedir/extension)")
    .option(
      '--owner <role>',
      "run as a superuser: the role authsync will connect as, who gets neon_auth, authsync_sync and authsync_kit (default: the database's owner)",
    )
    .action(async (options: { databaseUrl: string; dataDir?: string; extensionDir?: string; owner?: string }) => {
      const config = configFrom({ ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
      const db = openPostgres(options.databaseUrl, { max: 1, applicationName: 'authsync-rls-install' });
      try {
        await installKit(db, { serverSecret: readOrCreateSecret(config) }).catch(
          (error: { code?: string; message: string; hint?: string }) => {
            // A privilege the installer lacks: the message and PostgreSQL's hint (what to run instead), without a stack.
            if (error.code !== '42501') throw error;
            throw new AppError('INSUFFICIENT_PRIVILEGE', 403, error.hint ? `${error.message}\n${error.hint}` : error.message, {
              cause: error,
            });
          },
        );
        if (await endUsersCanSignalBackends(db)) process.stderr.write(`authsync: warning: ${SIGNAL_WARNING}.\n`);
        // A superuser created the schemas: the role authsync will connect as gets them (src/rls/hand-over.ts).
        const handedTo = await handOverToOwner(db, options.owner);
        if (handedTo) process.stdout.write(`neon_auth, authsync_sync and authsync_kit belong to ${handedTo}, whom authsync connects as.\n`);
      } finally {
        await db.close();
      }
      process.stdout.write('RLS kit installed: roles authenticated and anonymous, schema auth, grants.\n');
      if (options.extensionDir) {
        for (const file of writeExtensionFiles(options.extensionDir)) process.stdout.write(`wrote ${file}\n`);
      } else {
        process.stdout.write(
          'CREATE EXTENSION pg_session_jwt works through /sql; for direct connections add --extension-dir "$(pg_config --sharedir)/extension".\n',
        );
      }
    });

  registerRlsOptimize(rls);
  registerRlsLint(rls);

  const providers = rls.command('providers').description("a project's external JWKS providers for /sql");

  withDatabaseOptions(
    providers
      .command('add')
      .description('accept tokens signed by the keys at a JWKS URL (ES256, RS256 or EdDSA)')
      .requiredOption('--project <id>', 'project ID')
      .requiredOption('--jwks-url <url>', "the provider's JWKS URL (https)")
      .option('--audience <aud>', "require this value in the token's aud")
      .option('--json', 'print JSON'),
  ).action(async (options: ProviderOptions) => {
    const added = await withContext(configFrom(options), async (ctx) => {
      await requireProject(ctx.db, options.project);
      return addProvider(ctx.db, options.project, options.jwksUrl!, options.audience);
    });
    if (options.json) printJson({ projectId: added.projectId, jwksUrl: added.jwksUrl, audience: added.audience });
    else process.stdout.write(`Added ${added.jwksUrl}${added.audience ? ` (audience ${added.audience})` : ''}\n`);
  });

  withDatabaseOptions(
    providers
      .command('list')
      .description("list a project's providers")
      .requiredOption('--project <id>', 'project ID')
      .option('--json', 'print JSON'),
  ).action(async (options: ProviderOptions) => {
    const list = await withContext(configFrom(options), async (ctx) => {
      await requireProject(ctx.db, options.project);
      return listProviders(ctx.db, options.project);
    });
    const rows = list.map((p) => ({ jwksUrl: p.jwksUrl, audience: p.audience, createdAt: p.createdAt.toISOString() }));
    if (options.json) printJson(rows);
    else for (const row of rows) process.stdout.write(`${row.jwksUrl}${row.audience ? `  audience=${row.audience}` : ''}\n`);
  });

  withDatabaseOptions(
    providers
      .command('remove')
      .description('stop accepting tokens from a JWKS URL')
      .requiredOption('--project <id>', 'project ID')
      .requiredOption('--jwks-url <url>', 'the JWKS URL to remove'),
  ).action(async (options: ProviderOptions) => {
    const removed = await withContext(configFrom(options), async (ctx) => {
      await requireProject(ctx.db, options.project);
      return removeProvider(ctx.db, options.project, options.jwksUrl!);
    });
    if (!removed) throw cliInputError(`Project ${options.project} has no provider ${options.jwksUrl}.`);
    process.stdout.write(`Removed ${options.jwksUrl}\n`);
  });
}

async function requireProject(db: Parameters<typeof getProject>[0], projectId: string): Promise<void> {
  if (!(await getProject(db, projectId))) throw noSuchProject(projectId);
}
