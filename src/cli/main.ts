/** The `authsync` command line. */
import { Command, CommanderError } from 'commander';
import { pino } from 'pino';
import { registerEmails } from './commands/emails.js';
import { registerImport } from './commands/import.js';
import { registerImportFile } from './commands/import-file.js';
import { registerImportLazyPasswords } from './commands/import-lazy-passwords.js';
import { registerKeys } from './commands/keys.js';
import { registerMigrate } from './commands/migrate.js';
import { registerOAuth } from './commands/oauth.js';
import { registerProject } from './commands/project.js';
import { registerRls } from './commands/rls.js';
import { registerStart } from './commands/start.js';
import { registerSync } from './commands/sync.js';
import { registerTeams } from './commands/teams.js';
import { registerUsers } from './commands/users.js';
import { reportFailure } from './failure.js';

const program = new Command('authsync').description('Self-hosted, Stack Auth–compatible auth for Postgres apps').exitOverride();
registerStart(program);
registerMigrate(program);
registerProject(program);
registerKeys(program);
registerRls(program);
registerOAuth(program);
registerSync(program);
registerUsers(program);
registerEmails(program);
registerTeams(program);
const imports = registerImport(program);
registerImportLazyPasswords(imports);
registerImportFile(imports);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  const log = pino({ base: undefined }, pino.destination({ dest: 2, sync: true }));
  process.exit(reportFailure(error, { write: (text) => process.stderr.write(text), log }));
}
