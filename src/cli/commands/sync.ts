/** `authsync sync status|resync|grant|typed-view|public-profiles|teams` (and `targets`, in sync-targets.ts): operating neon_auth.users_sync. */
import type { Command } from 'commander';
import { withProjectDatabase } from '../../projects/databases.js';
import { enableTypedView, grantAppRole, setPublicProfiles } from '../../sync/grants.js';
import { PUBLIC_PROFILE_COLUMNS } from '../../sync/public-profiles.js';
import { resyncTarget } from '../../sync/resync.js';
import { syncStatus } from '../../sync/status.js';
import { repairTeamData, setTeamData } from '../../sync/team-data-setting.js';
import { selectTargets } from '../../sync/targets.js';
import { printJson } from '../output.js';
import { configFrom, withDatabaseOptions, type DatabaseOptions } from '../shared-options.js';
import { withContext, withProject } from '../with-context.js';
import { registerSyncTargets } from './sync-targets.js';

interface TargetOptions extends DatabaseOptions {
  project?: string;
  target?: string;
  json?: boolean;
}

/** A one-line progress bar on a terminal; nothing when stderr is not one. */
function progressBar(label: string): ((done: number, total: number) => void) & { end(): void } {
  const tty = process.stderr.isTTY;
  const draw = (done: number, total: number) => {
    if (!tty) return;
    const width = 30;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
  };
  return Object.assign(draw, { end: () => tty && process.stderr.write('\n') });
}

export function registerSync(program: Command): void {
  const sync = program.command('sync').description('neon_auth.users_sync: status, repair, grants');

  withDatabaseOptions(
    sync
      .command('status')
      .description("per target: pending changes, lag (and team data's part), last applied, last error")
      .option('--project <id>', 'one project')
      .option('--json', 'print JSON'),
  ).action(async (options: TargetOptions) => {
    const statuses = await withContext(configFrom(options), async (ctx) => {
      await selectTargets(ctx, { projectId: options.project });
      return syncStatus(ctx.db, options.project?.toLowerCase());
    });
    if (options.json) return printJson(statuses);
    for (const s of statuses) {
      process.stdout.write(
        `${s.projectId}  ${s.target}  ${s.mode}  pending=${s.pending}  lag=${s.lagSeconds.toFixed(3)}s${s.teamData ? `  team_pending=${s.teamPending}  team_lag=${s.teamLagSeconds.toFixed(3)}s` : ''}  last_applied=${s.lastAppliedAt ?? '-'}${s.lastError ? `  error: ${s.lastError}` : ''}\n`,
      );
    }
  });

  withDatabaseOptions(
    sync
      .command('resync')
      .description('compare users with each users_sync table and repair missing, edited or deleted rows (and a dropped table)')
      .option('--project <id>', 'one project')
      .option('--target <url>', 'one database of the project(s)')
      .option('--json', 'print JSON'),
  ).action(async (options: TargetOptions) => {
    const reports = await withContext(configFrom(options), async (ctx) => {
      const results = [];
      for (const target of await selectTargets(ctx, { projectId: options.project, targetUrl: options.target })) {
        const bar = progressBar(`${target.projectId.slice(0, 8)} ${target.key}`);
        const report = await withProjectDatabase(ctx, target, (db) =>
          resyncTarget(ctx.db, db, target.projectId, { outbox: target.url !== null, onProgress: bar }),
        );
        bar.end();
        // The server's own app database also holds the team data of projects that turned it on.
        const teamData = target.url === null && target.purpose === 'app' ? await repairTeamData(ctx, target.projectId) : null;
        results.push({
          projectId: target.projectId,
          target: target.key,
          ...report,
          ...(teamData === null ? {} : { teamDataRepaired: teamData }),
        });
      }
      return results;
    });
    if (options.json) return printJson(reports);
    for (const r of reports)
      process.stdout.write(
        `${r.projectId}  ${r.target}  compared=${r.compared}  repaired=${r.repaired}${'teamDataRepaired' in r ? `  team_data_repaired=${r.teamDataRepaired}` : ''}\n`,
      );
  });

  withDatabaseOptions(
    sync
      .command('grant')
      .description(
        'give an app role USAGE on neon_auth and SELECT, REFERENCES on users_sync (re-runnable; kept when the table is re-created)',
      )
      .requiredOption('--project <id>', 'the project')
      .requiredOption('--role <role>', 'the database role of the app')
      .option('--target <url>', 'one database of the project (default: all)'),
  ).action(async (options: TargetOptions & { role: string }) => {
    await withContext(configFrom(options), async (ctx) => {
      for (const target of await selectTargets(ctx, { projectId: options.project, targetUrl: options.target })) {
        await withProjectDatabase(ctx, target, (db) => grantAppRole(db, options.role));
        process.stdout.write(`granted ${options.role} on ${target.key}\n`);
      }
    });
  });

  withDatabaseOptions(
    sync
      .command('typed-view')
      .description(
        'create neon_auth.users_sync_typed: typed columns (email_verified, profile_image_url, is_anonymous, ...) over users_sync',
      )
      .requiredOption('--project <id>', 'the project')
      .option('--target <url>', 'one database of the project (default: all)'),
  ).action(async (options: TargetOptions) => {
    await withContext(configFrom(options), async (ctx) => {
      for (const target of await selectTargets(ctx, { projectId: options.project, targetUrl: options.target })) {
        await withProjectDatabase(ctx, target, (db) => enableTypedView(db));
        process.stdout.write(`neon_auth.users_sync_typed ready on ${target.key}\n`);
      }
    });
  });

  withDatabaseOptions(
    sync
      .command('public-profiles')
      .description(
        `let end users (role authenticated, through /sql) read ${PUBLIC_PROFILE_COLUMNS.join(', ')} of every user in neon_auth.users_sync, never e-mails or raw_json (kept when the table is re-created); --off takes it back`,
      )
      .requiredOption('--project <id>', 'the project')
      .option('--off', 'take the grant back (the default: end users read nothing of users_sync)'),
  ).action(async (options: TargetOptions & { off?: boolean }) => {
    await withContext(configFrom(options), async (ctx) => {
      // /sql runs end users' SQL in the app database only.
      for (const target of (await selectTargets(ctx, { projectId: options.project })).filter((t) => t.purpose === 'app')) {
        await withProjectDatabase(ctx, target, (db) => setPublicProfiles(db, !options.off));
        process.stdout.write(`public profiles ${options.off ? 'off' : 'on'} on ${target.key}\n`);
      }
    });
  });

  withDatabaseOptions(
    sync
      .command('teams')
      .description(
        "keep the project's teams and memberships in neon_auth.teams_sync and team_members_sync of its databases (for RLS policies; end users may read them, not teams_sync.raw_json); --off removes them",
      )
      .requiredOption('--project <id>', 'the project')
      .option('--off', "stop and remove the project's rows (the default: no team data)")
      .option('--json', 'print JSON'),
  ).action(async (options: TargetOptions & { project: string; off?: boolean }) => {
    const result = await withProject(options, (ctx, projectId) => setTeamData(ctx, projectId, !options.off));
    if (options.json) return printJson(result);
    process.stdout.write(result.enabled ? `team data on: ${result.teams} teams, ${result.members} memberships\n` : 'team data off\n');
    for (const u of result.unreachable ?? [])
      process.stderr.write(
        `${u.target} not reached (${u.error}): the sync worker fills it at the next team change, or run authsync sync resync --project ${options.project}\n`,
      );
  });

  registerSyncTargets(sync);
}
