/**
 * `authsync teams list|create|add-member|remove-member|members`: a project's teams from the command line, through the
 * same functions as the API's server access (the creator becomes `team_admin`, a member `team_member`; removing a
 * member clears the team as the user's selected team through the user store, so users_sync follows).
 */
import type { Command } from 'commander';
import type { Queryable } from '../../db/database.js';
import { AppError } from '../../errors/app-error.js';
import { listMemberProfiles } from '../../teams/member-profiles.js';
import { addMember, removeMember } from '../../teams/memberships.js';
import { listGrants } from '../../teams/permissions.js';
import { createTeam, listTeams, requireTeam } from '../../teams/teams.js';
import type { TeamRow } from '../../users/team-shape.js';
import { cliInputError } from '../input-errors.js';
import { printFields, printJson } from '../output.js';
import { withDatabaseOptions, type DatabaseOptions } from '../shared-options.js';
import { withProject } from '../with-context.js';

interface TeamsOptions extends DatabaseOptions {
  project: string;
  team?: string;
  user?: string;
  creator?: string;
  name?: string;
  search?: string;
  json?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuidOption(value: string | undefined, flag: string): string {
  if (value === undefined || !UUID.test(value)) throw cliInputError(`${flag} must be a UUID.`);
  return value.toLowerCase();
}

function teamName(value: string | undefined): string {
  const name = value?.trim() ?? '';
  if (name.length < 1 || name.length > 256) throw cliInputError('--name must be 1 to 256 characters.');
  return name;
}

/** Runs `action`, naming the team and user in the API's not-found and duplicate errors. */
async function naming<T>(projectId: string, ids: { teamId?: string; userId?: string }, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    if (error.code === 'TEAM_NOT_FOUND') throw cliInputError(`Project ${projectId} has no team ${ids.teamId}.`);
    if (error.code === 'USER_NOT_FOUND') throw cliInputError(`Project ${projectId} has no user ${ids.userId}.`);
    if (error.code === 'TEAM_MEMBERSHIP_ALREADY_EXISTS')
      throw cliInputError(`User ${ids.userId} is already a member of team ${ids.teamId}.`);
    if (error.code === 'TEAM_MEMBERSHIP_NOT_FOUND') throw cliInputError(`User ${ids.userId} is not a member of team ${ids.teamId}.`);
    throw error;
  }
}

async function memberCounts(db: Queryable, projectId: string): Promise<Map<string, number>> {
  const { rows } = await db.query<{ team_id: string; members: number }>(
    'SELECT team_id, count(*)::int AS members FROM authsync.team_members WHERE project_id = $1 GROUP BY team_id',
    [projectId],
  );
  return new Map(rows.map((row) => [row.team_id, row.members]));
}

function teamShown(team: TeamRow, members: number) {
  return { id: team.id, displayName: team.display_name, members, createdAt: new Date(team.created_at).toISOString() };
}

function printTeam(team: ReturnType<typeof teamShown>): void {
  printFields({ id: team.id, name: team.displayName, members: team.members, created: team.createdAt });
}

export function registerTeams(program: Command): void {
  const teams = program.command('teams').description("a project's teams and their members");

  withDatabaseOptions(
    teams
      .command('list')
      .description("list a project's teams, oldest first: ID, name, member count, created")
      .requiredOption('--project <id>', 'project ID')
      .option('--user <user-id>', "only this user's teams")
      .option('--search <text>', 'only teams whose name contains this text (any case)')
      .option('--json', 'print JSON'),
  ).action(async (options: TeamsOptions) => {
    const userId = options.user === undefined ? undefined : uuidOption(options.user, '--user');
    const shown = await withProject(options, async (ctx, projectId) => {
      if (userId && !(await ctx.users.get(projectId, userId))) throw cliInputError(`Project ${projectId} has no user ${userId}.`);
      const [found, counts] = await Promise.all([listTeams(ctx.db, projectId, userId), memberCounts(ctx.db, projectId)]);
      const search = options.search?.toLowerCase();
      return found
        .filter((team) => search === undefined || team.display_name.toLowerCase().includes(search))
        .map((team) => teamShown(team, counts.get(team.id) ?? 0));
    });
    if (options.json) return printJson(shown);
    if (shown.length === 0) return void process.stdout.write('No teams.\n');
    shown.forEach((team, index) => {
      if (index > 0) process.stdout.write('\n');
      printTeam(team);
    });
  });

  withDatabaseOptions(
    teams
      .command('create')
      .description('create a team; its creator becomes a member with team_admin')
      .requiredOption('--project <id>', 'project ID')
      .requiredOption('--name <name>', 'the team name (1 to 256 characters)')
      .option('--creator <user-id>', 'the user who creates it (else the team starts without members)')
      .option('--json', 'print JSON'),
  ).action(async (options: TeamsOptions) => {
    const name = teamName(options.name);
    const creator = options.creator === undefined ? null : uuidOption(options.creator, '--creator');
    const team = await withProject(options, (ctx, projectId) =>
      naming(projectId, { userId: creator ?? undefined }, () => createTeam(ctx, projectId, { display_name: name }, creator)),
    );
    const shown = teamShown(team, creator ? 1 : 0);
    if (options.json) printJson(shown);
    else printTeam(shown);
  });

  withDatabaseOptions(
    teams
      .command('add-member')
      .description('add a user to a team with team_member')
      .requiredOption('--project <id>', 'project ID')
      .requiredOption('--team <team-id>', 'team ID')
      .requiredOption('--user <user-id>', 'user ID')
      .option('--json', 'print JSON'),
  ).action(async (options: TeamsOptions) => {
    const teamId = uuidOption(options.team, '--team');
    const userId = uuidOption(options.user, '--user');
    await withProject(options, (ctx, projectId) => naming(projectId, { teamId, userId }, () => addMember(ctx, projectId, teamId, userId)));
    if (options.json) printJson({ teamId, userId, permissions: ['team_member'] });
    else process.stdout.write(`Added ${userId} to team ${teamId} with team_member.\n`);
  });

  withDatabaseOptions(
    teams
      .command('remove-member')
      .description("remove a user from a team (clearing it as the user's selected team)")
      .requiredOption('--project <id>', 'project ID')
      .requiredOption('--team <team-id>', 'team ID')
      .requiredOption('--user <user-id>', 'user ID'),
  ).action(async (options: TeamsOptions) => {
    const teamId = uuidOption(options.team, '--team');
    const userId = uuidOption(options.user, '--user');
    await withProject(options, (ctx, projectId) =>
      naming(projectId, { teamId, userId }, async () => {
        await requireTeam(ctx.db, projectId, teamId);
        if (!(await ctx.users.get(projectId, userId))) throw cliInputError(`Project ${projectId} has no user ${userId}.`);
        await removeMember(ctx, projectId, teamId, userId);
      }),
    );
    process.stdout.write(`Removed ${userId} from team ${teamId}.\n`);
  });

  withDatabaseOptions(
    teams
      .command('members')
      .description("list a team's members, first joined first: user ID, e-mail, permissions granted")
      .requiredOption('--project <id>', 'project ID')
      .requiredOption('--team <team-id>', 'team ID')
      .option('--json', 'print JSON'),
  ).action(async (options: TeamsOptions) => {
    const teamId = uuidOption(options.team, '--team');
    const shown = await withProject(options, (ctx, projectId) =>
      naming(projectId, { teamId }, async () => {
        await requireTeam(ctx.db, projectId, teamId);
        const [profiles, grants] = await Promise.all([
          listMemberProfiles(ctx.db, projectId, { teamId }),
          listGrants(ctx.db, projectId, { teamId }),
        ]);
        return profiles.map((profile) => ({
          userId: profile.user_id,
          email: profile.user.primary_email,
          displayName: profile.display_name,
          permissions: grants.filter((grant) => grant.user_id === profile.user_id).map((grant) => grant.id),
        }));
      }),
    );
    if (options.json) return printJson(shown);
    if (shown.length === 0) return void process.stdout.write('No members.\n');
    shown.forEach((member, index) => {
      if (index > 0) process.stdout.write('\n');
      printFields({
        user: member.userId,
        email: member.email ?? '(none)',
        ...(member.displayName ? { name: member.displayName } : {}),
        permissions: member.permissions.join(', '),
      });
    });
  });
}
