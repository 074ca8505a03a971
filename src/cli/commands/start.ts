/** `authsync start`: run the server (or, with --workers N, N server processes on one port) until SIGINT/SIGTERM. */
import type { Command } from 'commander';
import type { Config } from '../../config/index.js';
import { isForkedServerProcess, resolveWorkers, runForkedServerProcess, runPrimary, type StartupReport } from '../../server/cluster.js';
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
      .option('--workers <n>', 'server processes on the port, a number or auto: one per core (env AUTHSYNC_WORKERS; default 1)')
      .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (env AUTHSYNC_LOG_LEVEL)'),
  ).action(async (options: DatabaseOptions & { port?: string; host?: string; logLevel?: string; workers?: string }) => {
    const loaded = configFrom(options);
    const workers = resolveWorkers(loaded);
    const config: Config = { ...loaded, workers };
    if (isForkedServerProcess()) return runForkedServerProcess(config);
    if (workers > 1) return printStartup(config, await runPrimary(config, workers));
    const server = await startServer(config);
    printStartup(config, server);
    const stop = async () => {
      await server.stop();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** The start-up output: printed once, also when several server processes start. */
function printStartup(config: Config, server: StartupReport): void {
  const storage = config.databaseUrl ? 'PostgreSQL' : `embedded PGlite in ${config.dataDir}`;
  const processes = config.workers === 1 ? '' : `, ${String(config.workers)} server processes`;
  process.stdout.write(`authsync listening on ${server.url} (database: ${storage}${processes})\n`);
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
}
