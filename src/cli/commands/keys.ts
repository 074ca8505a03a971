/** `authsync keys rotate`: new signing keys (the old ones stay published until their tokens expire), or a new project key. */
import type { Command } from 'commander';
import { getProject, rotateProjectKey, type ProjectKeyKind } from '../../projects/projects.js';
import { rotateSigningKeys } from '../../projects/signing-keys.js';
import { cliInputError, noSuchProject } from '../input-errors.js';
import { printJson } from '../output.js';
import { configFrom, withDatabaseOptions, type DatabaseOptions } from '../shared-options.js';
import { withContext } from '../with-context.js';

const KINDS: Record<string, ProjectKeyKind | 'signing'> = {
  signing: 'signing',
  'secret-server': 'secret_server',
  'publishable-client': 'publishable_client',
  'super-secret-admin': 'super_secret_admin',
};

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('manage keys');
  withDatabaseOptions(
    keys
      .command('rotate')
      .description('rotate a project key: signing (default), secret-server, publishable-client or super-secret-admin')
      .requiredOption('--project <id>', 'project ID')
      .option('--kind <kind>', 'which key', 'signing')
      .option('--json', 'print JSON'),
  ).action(async (options: DatabaseOptions & { project: string; kind: string; json?: boolean }) => {
    const kind = KINDS[options.kind];
    if (!kind) throw cliInputError(`Unknown key kind "${options.kind}"; use one of ${Object.keys(KINDS).join(', ')}.`);
    const config = configFrom(options);
    const result = await withContext(config, async (ctx) => {
      const project = await getProject(ctx.db, options.project);
      if (!project) throw noSuchProject(options.project);
      if (kind === 'signing') {
        // Keep the old keys published for one access-token lifetime plus a margin for clock skew.
        const kids = await rotateSigningKeys(ctx.db, ctx.box, project.id, config.accessTokenTtlSeconds + 300);
        return { projectId: project.id, rotated: 'signing', newKeyIds: kids };
      }
      return { projectId: project.id, rotated: options.kind, newKey: await rotateProjectKey(ctx.db, ctx.box, project.id, kind) };
    });
    if (options.json) printJson(result);
    else if ('newKey' in result) process.stdout.write(`New ${options.kind} key (shown this once): ${result.newKey}\n`);
    else process.stdout.write(`New signing keys ${result.newKeyIds.join(', ')}; the old ones stay published until their tokens expire.\n`);
  });
}
