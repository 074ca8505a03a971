/** The `authsync` command line. */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/index.js';
import { DataDirLockedError } from '../db/pglite.js';
import { ProjectInputError } from '../projects/projects.js';
import { SecretMismatchError } from '../server/secret.js';
import { registerKeys } from './commands/keys.js';
import { registerMigrate } from './commands/migrate.js';
import { registerProject } from './commands/project.js';
import { registerRls } from './commands/rls.js';
import { registerStart } from './commands/start.js';
import { registerSync } from './commands/sync.js';
import { registerUsers } from './commands/users.js';

const program = new Command('authsync').description('Self-hosted, Stack Auth–compatible auth for Postgres apps').exitOverride();
registerStart(program);
registerMigrate(program);
registerProject(program);
registerKeys(program);
registerRls(program);
registerSync(program);
registerUsers(program);

/** Errors the user can fix get their message alone; anything else also its stack. */
const EXPECTED = [ConfigError, DataDirLockedError, ProjectInputError, SecretMismatchError];

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  const expected = EXPECTED.some((type) => error instanceof type) || (error instanceof Error && error.constructor === Error);
  process.stderr.write(`authsync: ${expected ? (error as Error).message : ((error as Error).stack ?? String(error))}\n`);
  process.exit(1);
}
