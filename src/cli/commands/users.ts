/** `authsync users erase`: delete a user and remove its users_sync row, so ON DELETE foreign keys fire. */
import type { Command } from 'commander';
import { eraseUser } from '../../sync/erase.js';
import { syncSetupError } from '../../sync/grants.js';
import { selectTargets } from '../../sync/targets.js';
import { configFrom, withDatabaseOptions, type DatabaseOptions } from '../shared-options.js';
import { withContext } from '../with-context.js';

export function registerUsers(program: Command): void {
  const users = program.command('users').description('manage users');
  withDatabaseOptions(
    users
      .command('erase')
      .description(
        'delete a user (live or already deleted) and remove its neon_auth.users_sync row everywhere; unlike a delete, ON DELETE CASCADE / SET NULL fire',
      )
      .requiredOption('--project <id>', 'the project')
      .argument('<user-id>', 'the user ID'),
  ).action(async (userId: string, options: DatabaseOptions & { project: string }) => {
    await withContext(configFrom(options), async (ctx) => {
      await selectTargets(ctx, { projectId: options.project });
      if (!(await eraseUser(ctx, options.project.toLowerCase(), userId)))
        throw syncSetupError(`The project has no user with the ID "${userId}".`);
    });
    process.stdout.write(`erased ${userId}\n`);
  });
}
