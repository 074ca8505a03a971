/**
 * `authsync import stack|users-sync`: users (and teams) from a Stack Auth-compatible server or a legacy
 * neon_auth.users_sync table, written into a project under the same IDs (docs/migration.md). Prints a summary
 * (imported, updated, unchanged, skipped with reasons; `--json` as JSON) and, on a terminal, progress on stderr.
 * `registerImport` returns the `import` group, to which other import commands are added.
 */
import type { Command } from 'commander';
import { importFromStack } from '../../import/stack-import.js';
import { summaryLines, type ImportSummary } from '../../import/summary.js';
import { importFromUsersSync } from '../../import/users-sync-import.js';
import { cliInputError } from '../input-errors.js';
import { printJson } from '../output.js';
import { withDatabaseOptions, type DatabaseOptions } from '../shared-options.js';
import { withProject } from '../with-context.js';

interface ImportOptions extends DatabaseOptions {
  project: string;
  dryRun?: boolean;
  json?: boolean;
  pageSize?: string;
}

interface StackOptions extends ImportOptions {
  fromUrl: string;
  fromProjectId: string;
  fromSecretServerKey: string;
  lazyPasswords?: boolean;
}

interface UsersSyncOptions extends ImportOptions {
  fromDatabaseUrl: string;
}

function pageSize(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const size = Number(value);
  if (!Number.isInteger(size) || size < 1 || size > 1000) throw cliInputError('--page-size must be a whole number from 1 to 1000.');
  return size;
}

/** `-` reads the value from standard input, so that the key stays out of the shell history and the process list. */
async function readSecret(value: string): Promise<string> {
  if (value !== '-') return value;
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.trim();
}

/** A line on stderr, rewritten in place, when stderr is a terminal. */
function progress(phase: string, summary: ImportSummary): void {
  if (!process.stderr.isTTY) return;
  const done = summary.imported + summary.updated + summary.unchanged + summary.skipped.length;
  process.stderr.write(`\r${phase}: ${done} users read (${summary.imported} imported, ${summary.updated} updated)   `);
}

function report(summary: ImportSummary, json: boolean | undefined): void {
  if (process.stderr.isTTY) process.stderr.write('\n');
  if (json) printJson(summary);
  else process.stdout.write(`${summaryLines(summary).join('\n')}\n`);
}

export function registerImport(program: Command): Command {
  const group = program.command('import').description('bring users from another server into a project, keeping their IDs');

  withDatabaseOptions(
    group
      .command('stack')
      .description('import the users, teams and memberships of a project on a Stack Auth-compatible server (same IDs)')
      .requiredOption('--project <id>', 'the authsync project to import into')
      .requiredOption('--from-url <url>', "the old server's base URL, e.g. https://api.stack-auth.com")
      .requiredOption('--from-project-id <id>', 'the project ID at the old server')
      .requiredOption('--from-secret-server-key <key>', "the old project's secret server key; - reads it from standard input")
      .option('--lazy-passwords', "check users' passwords at the old server at their first sign-in, then keep them here")
      .option('--dry-run', 'show what would change, write nothing')
      .option('--page-size <n>', 'users per request to the old server (default 200)')
      .option('--json', 'print the summary as JSON'),
  ).action(async (options: StackOptions) => {
    const size = pageSize(options.pageSize);
    const secretServerKey = await readSecret(options.fromSecretServerKey);
    if (!secretServerKey) throw cliInputError('--from-secret-server-key is empty.');
    const summary = await withProject(options, (ctx, projectId) =>
      importFromStack(
        ctx,
        projectId,
        { url: options.fromUrl, projectId: options.fromProjectId, secretServerKey },
        {
          dryRun: options.dryRun ?? false,
          onProgress: progress,
          lazyPasswords: options.lazyPasswords ?? false,
          ...(size ? { pageSize: size } : {}),
        },
      ),
    );
    report(summary, options.json);
  });

  withDatabaseOptions(
    group
      .command('users-sync')
      .description('import the users of a legacy neon_auth.users_sync table (raw_json), same IDs; deleted rows are skipped')
      .requiredOption('--project <id>', 'the authsync project to import into')
      .requiredOption('--from-database-url <url>', 'PostgreSQL connection string of the database holding neon_auth.users_sync')
      .option('--dry-run', 'show what would change, write nothing')
      .option('--page-size <n>', 'rows read per query (default 500)')
      .option('--json', 'print the summary as JSON'),
  ).action(async (options: UsersSyncOptions) => {
    const size = pageSize(options.pageSize);
    const summary = await withProject(options, (ctx, projectId) =>
      importFromUsersSync(ctx, projectId, options.fromDatabaseUrl, {
        dryRun: options.dryRun ?? false,
        onProgress: progress,
        ...(size ? { pageSize: size } : {}),
      }),
    );
    report(summary, options.json);
  });
  return group;
}
