/** `authsync start`: run the server until SIGINT/SIGTERM. */
import type { Command } from 'commander';
import { startServer } from '../../server/server.js';
import { printFields } from '../output.js';
import { configFrom, withDatabaseOptions, type DatabaseOptions } from '../shared-options.js';

export function registerStart(program: Command): void {
  withDatabaseOptions(
    program
      .command('start')
      .description('start the server')
      .option('--port <port>', 'port to listen on (env PORT)', undefined)
      .option('--host <host>', 'interface to listen on (env AUTHSYNC_HOST)', undefined)
      .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (env AUTHSYNC_LOG_LEVEL)'),
  ).action(async (options: DatabaseOptions & { port?: string; host?: string; logLevel?: string }) => {
    const config = configFrom(options);
    const server = await startServer(config);
    const storage = config.databaseUrl ? 'PostgreSQL' : `embedded PGlite in ${config.dataDir}`;
    process.stdout.write(`authsync listening on ${server.url} (database: ${storage})\n`);
    for (const notice of server.notices) process.stdout.write(`Note: ${notice}\n`);
    if (server.defaultProject) {
      const { projectId, keys, jwksUrl } = server.defaultProject;
      process.stdout.write('\nCreated the default project. The keys are shown this once; store them now:\n');
      printFields({
        'Project ID': projectId,
        'Publishable client key': keys.publishableClientKey,
        'Secret server key': keys.secretServerKey,
        'Super secret admin key': keys.superSecretAdminKey,
        'JWKS URL': jwksUrl,
      });
      process.stdout.write('\n');
    }
    process.stdout.write(`Dashboard: ${config.baseUrl}/dashboard\n`);
    if (server.adminSecret) {
      process.stdout.write(
        `Generated the dashboard's admin secret, shown this once (only its hash is stored); store it now:\n  ${server.adminSecret}\n` +
          '(Set AUTHSYNC_ADMIN_SECRET to choose your own.)\n\n',
      );
    }
    const stop = async () => {
      await server.stop();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
