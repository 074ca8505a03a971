/**
 * `authsync import lazy-passwords`: a project's lazy password migration (docs/migration.md). Without a change flag it
 * shows the status (the old server, whether it is asked, how many users have not signed in since the import); with
 * `--from-…` it sets the old server, `--until` an end date, `--disable` stops asking it now, `--enable` resumes.
 * `authsync import stack --lazy-passwords` sets the old server and marks the users itself.
 */
import type { Command } from 'commander';
import {
  disableLazyPasswords,
  enableLazyPasswords,
  lazyPasswordStatus,
  setLazyPasswordSource,
  type LazyPasswordStatus,
} from '../../import/lazy-passwords.js';
import { cliInputError } from '../input-errors.js';
import { printFields, printJson } from '../output.js';
import { withDatabaseOptions, type DatabaseOptions } from '../shared-options.js';
import { withProject } from '../with-context.js';

interface LazyPasswordsOptions extends DatabaseOptions {
  project: string;
  fromUrl?: string;
  fromProjectId?: string;
  fromSecretServerKey?: string;
  fromPublishableClientKey?: string;
  until?: string;
  disable?: boolean;
  enable?: boolean;
  json?: boolean;
}

function untilDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime()))
    throw cliInputError('--until must be a date or time in ISO 8601, e.g. 2027-03-01 or 2027-03-01T12:00:00Z.');
  return date;
}

/** The old server's key given: exactly one of the two, and only together with the URL and old project ID. */
function sourceKey(options: LazyPasswordsOptions) {
  const given = [options.fromUrl, options.fromProjectId, options.fromSecretServerKey, options.fromPublishableClientKey];
  if (given.every((value) => value === undefined)) return undefined;
  if (options.fromUrl === undefined || options.fromProjectId === undefined)
    throw cliInputError(
      '--from-url and --from-project-id go together, with one of --from-secret-server-key and --from-publishable-client-key.',
    );
  if ((options.fromSecretServerKey === undefined) === (options.fromPublishableClientKey === undefined))
    throw cliInputError('Give one of --from-secret-server-key and --from-publishable-client-key.');
  return options.fromSecretServerKey !== undefined
    ? { keyKind: 'secret_server' as const, key: options.fromSecretServerKey }
    : { keyKind: 'publishable_client' as const, key: options.fromPublishableClientKey! };
}

function printStatus(status: LazyPasswordStatus): void {
  const source = status.source;
  if (!source) return void process.stdout.write(`No old server; users still to migrate: ${status.remaining}.\n`);
  printFields({
    'old server': source.baseUrl,
    'old project': source.oldProjectId,
    key: source.keyKind === 'secret_server' ? 'secret server key' : 'publishable client key',
    asked: source.active ? 'yes' : 'no',
    until: source.enabledUntil ?? 'no end date',
    disabled: source.disabledAt ?? 'no',
    remaining: status.remaining,
  });
}

/** Adds `lazy-passwords` to the `authsync import` command group. */
export function registerImportLazyPasswords(importCommand: Command): void {
  withDatabaseOptions(
    importCommand
      .command('lazy-passwords')
      .description("a project's lazy password migration: status, the old server, an end date, off or on again")
      .requiredOption('--project <id>', 'project ID')
      .option('--from-url <url>', "the old server's base URL, e.g. https://api.stack-auth.com")
      .option('--from-project-id <id>', 'the project ID at the old server')
      .option('--from-secret-server-key <key>', "the old project's secret server key (stored encrypted)")
      .option('--from-publishable-client-key <key>', 'or its publishable client key (stored encrypted)')
      .option('--until <date>', 'ask the old server until this date (ISO 8601)')
      .option('--disable', 'stop asking the old server now')
      .option('--enable', 'ask the old server again, with no end date')
      .option('--json', 'print JSON'),
  ).action(async (options: LazyPasswordsOptions) => {
    const key = sourceKey(options);
    const until = untilDate(options.until);
    if (options.disable && options.enable) throw cliInputError('--disable and --enable exclude each other.');
    if (key && (options.disable || options.enable))
      throw cliInputError('Set the old server, or --disable / --enable it, not both at once.');
    const status = await withProject(options, async (ctx, projectId) => {
      let found = true;
      if (key) {
        const input = { baseUrl: options.fromUrl!, oldProjectId: options.fromProjectId!, ...key, enabledUntil: until ?? null };
        await setLazyPasswordSource(ctx.db, ctx.box, projectId, input);
      } else if (options.enable) found = await enableLazyPasswords(ctx.db, projectId);
      if (!key && until) found = (await disableLazyPasswords(ctx.db, projectId, until)) && found;
      if (options.disable) found = await disableLazyPasswords(ctx.db, projectId);
      if (!found) throw cliInputError(`Project ${projectId} has no old server for lazy passwords (set one with --from-url …).`);
      return lazyPasswordStatus(ctx.db, projectId);
    });
    if (options.json) printJson(status);
    else printStatus(status);
  });
}
