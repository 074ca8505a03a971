/** `authsync project create|list|update`. */
import { InvalidArgumentError, type Command } from 'commander';
import { printedBaseUrl } from '../../context/base-url.js';
import { createProject, isProjectId, listProjects, projectInputError, updateProject, type ProjectKeys } from '../../projects/projects.js';
import { INTERNAL_PROJECT_ALIAS, INTERNAL_PROJECT_ID, resolveProjectId } from '../../projects/internal-id.js';
import { DEVELOPMENT_KEYS, ensureInternalProject } from '../../internal/internal-project.js';
import { provisionProject, provisioningWarning } from '../../provisioning/provision.js';
import { jwksUrl } from '../../projects/signing-keys.js';
import { SIGNAL_WARNING, sqlDatabaseFindings } from '../../sql/database-checks.js';
import { SqlService } from '../../sql/service.js';
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

interface UpdateOptions extends DatabaseOptions {
  id: string;
  name?: string;
  allowAnonymousOnAuthenticated?: boolean;
  signUpEnabled?: boolean;
  magicLinkEnabled?: boolean;
  clientTeamCreationEnabled?: boolean;
  createTeamOnSignUp?: boolean;
  requireEmailVerification?: boolean;
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
      .option(
        '--id <uuid>',
        "keep an existing project ID (e.g. a Legacy Neon Auth project); 'internal' sets the internal project's keys (Stack's development keys unless given; development only)",
      )
      .option('--publishable-client-key <key>', 'keep an existing publishable client key')
      .option('--secret-server-key <key>', 'keep an existing secret server key')
      .option('--super-secret-admin-key <key>', 'keep an existing super secret admin key')
      .option('--app-database-url <url>', "the app's database, where neon_auth.users_sync is kept (default: the server's own database)")
      .option('--sync-database-url <url>', 'an extra database to keep neon_auth.users_sync in (repeatable)', collect, [])
      .option('--json', 'print one JSON object'),
  ).action(async (options: CreateOptions) => {
    const config = configFrom(options);
    if (options.id === INTERNAL_PROJECT_ALIAS) return setInternalKeys(options);
    const {
      project: created,
      keys,
      baseUrl,
    } = await withContext(config, async (ctx) => {
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
        process.stderr.write(`authsync: warning: ${provisioningWarning(error)}\n`),
      );
      // What /sql will refuse or cannot prevent in the app database, said now rather than at the first request.
      const sql = new SqlService(ctx);
      const findings = await sqlDatabaseFindings(sql, made.project.id)
        .catch(() => undefined)
        .finally(() => sql.close());
      if (findings && !findings.passwordPath.serve && config.sqlPasswordAuth === 'auto')
        process.stderr.write(`authsync: warning: ${findings.passwordPath.reason}.\n`);
      if (findings?.endUsersCanSignal) process.stderr.write(`authsync: warning: ${findings.dbKey}: ${SIGNAL_WARNING}.\n`);
      return { ...made, baseUrl: await printedBaseUrl(ctx.db, config) };
    });
    const result = {
      projectId: created.id,
      displayName: created.displayName,
      publishableClientKey: keys.publishableClientKey,
      secretServerKey: keys.secretServerKey,
      superSecretAdminKey: keys.superSecretAdminKey,
      jwksUrl: jwksUrl(baseUrl, created.id),
      apiUrl: baseUrl,
      ...projectSqlUrls({ ...config, baseUrl }, created.id, options.appDatabaseUrl ?? null),
    };
    if (options.json) printJson(result);
    else printFields(result);
  });

  withDatabaseOptions(
    project
      .command('update')
      .description("change a project's settings")
      .requiredOption('--id <uuid>', 'the project')
      .option('--name <name>', 'display name')
      .option(
        '--allow-anonymous-on-authenticated <true|false>',
        "accept anonymous users' tokens on /sql for the role authenticated too (default false: anonymous tokens run as anonymous only)",
        parseBoolean,
      )
      .option('--sign-up-enabled <true|false>', 'let new users sign up (default true; false on the internal project)', parseBoolean)
      .option(
        '--magic-link-enabled <true|false>',
        'let users sign in (and new users sign up) with a code sent by e-mail: magic link or OTP (default false)',
        parseBoolean,
      )
      .option(
        '--client-team-creation-enabled <true|false>',
        'let signed-in users create teams with client access (user.createTeam(); default false)',
        parseBoolean,
      )
      .option(
        '--create-team-on-sign-up <true|false>',
        'give every new user a personal team, selected, with the user as its admin (default false)',
        parseBoolean,
      )
      .option(
        '--require-email-verification <true|false>',
        'users whose primary e-mail is not verified are restricted: left out of user lists, refused team invitations, anonymous only on /sql (default false)',
        parseBoolean,
      )
      .option('--json', 'print the project as JSON'),
  ).action(async (options: UpdateOptions) => {
    if (!isProjectId(resolveProjectId(options.id))) throw projectInputError(`The project ID "${options.id}" is not a UUID.`);
    const updated = await withContext(configFrom(options), (ctx) =>
      updateProject(ctx.db, resolveProjectId(options.id), {
        ...(options.name !== undefined ? { displayName: options.name } : {}),
        config: {
          ...(options.allowAnonymousOnAuthenticated !== undefined
            ? { sql_anonymous_tokens_as_authenticated: options.allowAnonymousOnAuthenticated }
            : {}),
          ...(options.signUpEnabled !== undefined ? { sign_up_enabled: options.signUpEnabled } : {}),
          ...(options.magicLinkEnabled !== undefined ? { magic_link_enabled: options.magicLinkEnabled } : {}),
          ...(options.clientTeamCreationEnabled !== undefined ? { client_team_creation_enabled: options.clientTeamCreationEnabled } : {}),
          ...(options.createTeamOnSignUp !== undefined ? { create_team_on_sign_up: options.createTeamOnSignUp } : {}),
          ...(options.requireEmailVerification !== undefined ? { require_email_verification: options.requireEmailVerification } : {}),
        },
      }),
    );
    if (!updated) throw projectInputError(`There is no project ${options.id}.`);
    const result = {
      projectId: updated.id,
      displayName: updated.displayName,
      allowAnonymousOnAuthenticated: updated.config.sql_anonymous_tokens_as_authenticated,
      signUpEnabled: updated.config.sign_up_enabled,
      magicLinkEnabled: updated.config.magic_link_enabled,
      clientTeamCreationEnabled: updated.config.client_team_creation_enabled,
      createTeamOnSignUp: updated.config.create_team_on_sign_up,
      requireEmailVerification: updated.config.require_email_verification,
    };
    if (options.json) printJson(result);
    else printFields(result);
  });

  withDatabaseOptions(project.command('list').description('list projects').option('--json', 'print JSON')).action(
    async (options: DatabaseOptions & { json?: boolean }) => {
      const config = configFrom(options);
      const { projects, baseUrl } = await withContext(config, async (ctx) => ({
        projects: await listProjects(ctx.db),
        baseUrl: await printedBaseUrl(ctx.db, config),
      }));
      const rows = projects.map((p) => ({
        projectId: p.id,
        displayName: p.displayName,
        createdAt: p.createdAt.toISOString(),
        jwksUrl: jwksUrl(baseUrl, p.id),
      }));
      if (options.json) printJson(rows);
      else for (const row of rows) process.stdout.write(`${row.projectId}  ${row.displayName}  (created ${row.createdAt})\n`);
    },
  );
}

/**
 * `project create --id internal`: the internal project exists on every instance, so this gives it keys (the ones given,
 * each missing one Stack's development key) and its name, creating it when no server has started on the database yet.
 */
async function setInternalKeys(options: CreateOptions): Promise<void> {
  const keys: ProjectKeys = {
    publishableClientKey: options.publishableClientKey ?? DEVELOPMENT_KEYS.publishableClientKey,
    secretServerKey: options.secretServerKey ?? DEVELOPMENT_KEYS.secretServerKey,
    superSecretAdminKey: options.superSecretAdminKey ?? DEVELOPMENT_KEYS.superSecretAdminKey,
  };
  const config = configFrom(options);
  const baseUrl = await withContext(config, async (ctx) => {
    await ensureInternalProject(ctx.db, ctx.box, keys);
    await updateProject(ctx.db, INTERNAL_PROJECT_ID, { displayName: options.name });
    return printedBaseUrl(ctx.db, config);
  });
  const result = {
    projectId: INTERNAL_PROJECT_ALIAS,
    displayName: options.name,
    ...keys,
    jwksUrl: jwksUrl(baseUrl, INTERNAL_PROJECT_ALIAS),
    apiUrl: baseUrl,
  };
  if (options.json) printJson(result);
  else printFields(result);
}

function parseBoolean(value: string): boolean {
  if (value === 'true' || value === 'false') return value === 'true';
  throw new InvalidArgumentError('expected true or false');
}
