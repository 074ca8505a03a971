/**
 * `authsync teams list|create|add-member|remove-member|members` against the PostgreSQL database of a running server:
 * the creator gets team_admin and an added member team_member (as the API grants them, seen through the API too);
 * removing a member who selected the team clears it in users_sync; unknown projects, teams and users, duplicates and
 * bad IDs end with a message and exit code 1, never an internal error.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { signUp, withToken } from '../api/support.js';
import { api, serverHeaders, useTestServer } from '../helpers/server.js';
import { permissionsOf } from '../teams/support.js';
import { runCli } from './run-cli.js';

interface ListedTeam {
  id: string;
  displayName: string;
  members: number;
  createdAt: string;
}

interface ListedMember {
  userId: string;
  email: string | null;
  permissions: string[];
}

describe('teams commands on PostgreSQL', () => {
  const t = useTestServer({ mode: 'postgres' });
  let db: string[];
  let project: string[];
  beforeAll(() => {
    db = ['--database-url', t.databaseUrl!, '--data-dir', t.dataDir];
    project = ['--project', t.projectId, ...db];
  });

  async function cli(args: string[]): Promise<unknown> {
    const res = await runCli(args);
    expect(res.code, `${args.join(' ')}\n${res.stderr}`).toBe(0);
    return args.includes('--json') ? JSON.parse(res.stdout) : res.stdout;
  }

  async function selectedTeamInSync(userId: string): Promise<unknown> {
    const { rows } = await t.server.ctx.db.query<{ raw_json: Record<string, unknown> }>(
      'SELECT raw_json FROM neon_auth.users_sync WHERE id = $1',
      [userId],
    );
    return rows[0]!.raw_json.selected_team_id;
  }

  it('creates a team, adds and removes members, lists teams and members as the API keeps them', async () => {
    const alice = await signUp(t);
    const bob = await signUp(t);
    const name = `CLI team ${randomUUID().slice(0, 8)}`;

    const team = (await cli(['teams', 'create', ...project, '--name', name, '--creator', alice.userId, '--json'])) as ListedTeam;
    expect(team).toMatchObject({ displayName: name, members: 1 });
    expect(Date.parse(team.createdAt)).not.toBeNaN();
    expect(await permissionsOf(t, team.id, alice.userId, false)).toEqual(['team_admin']);
    const viaApi = await api(t, 'GET', `/teams/${team.id}`, { headers: serverHeaders(t) });
    expect(viaApi.json).toMatchObject({ id: team.id, display_name: name });

    const added = await cli(['teams', 'add-member', ...project, '--team', team.id, '--user', bob.userId, '--json']);
    expect(added).toEqual({ teamId: team.id, userId: bob.userId, permissions: ['team_member'] });
    expect(await permissionsOf(t, team.id, bob.userId, false)).toEqual(['team_member']);

    const members = (await cli(['teams', 'members', ...project, '--team', team.id, '--json'])) as ListedMember[];
    expect(members.map(({ userId, email, permissions }) => ({ userId, email, permissions }))).toEqual([
      { userId: alice.userId, email: alice.email, permissions: ['team_admin'] },
      { userId: bob.userId, email: bob.email, permissions: ['team_member'] },
    ]);
    expect(await cli(['teams', 'members', ...project, '--team', team.id])).toMatch(
      new RegExp(`email\\s+${bob.email}\\npermissions\\s+team_member`),
    );

    const other = (await cli(['teams', 'create', ...project, '--name', `Other ${randomUUID().slice(0, 8)}`, '--json'])) as ListedTeam;
    expect(other.members).toBe(0);
    const all = (await cli(['teams', 'list', ...project, '--json'])) as ListedTeam[];
    expect(all.find((listed) => listed.id === team.id)).toMatchObject({ displayName: name, members: 2 });
    expect(all.some((listed) => listed.id === other.id)).toBe(true);
    const searched = (await cli(['teams', 'list', ...project, '--search', name.toUpperCase(), '--json'])) as ListedTeam[];
    expect(searched.map((listed) => listed.id)).toEqual([team.id]);
    const bobs = (await cli(['teams', 'list', ...project, '--user', bob.userId, '--json'])) as ListedTeam[];
    expect(bobs.map((listed) => listed.id)).toEqual([team.id]);
    expect(await cli(['teams', 'list', ...project, '--search', name])).toMatch(
      new RegExp(`id\\s+${team.id}\\nname\\s+${name}\\nmembers\\s+2\\n`),
    );

    // Bob selected the team: removing him clears it in users_sync, in the same transaction.
    const selected = await api(t, 'PATCH', '/users/me', { headers: withToken(t, bob.accessToken), body: { selected_team_id: team.id } });
    expect(selected.status, selected.text).toBe(200);
    expect(await selectedTeamInSync(bob.userId)).toBe(team.id);
    expect(await cli(['teams', 'remove-member', ...project, '--team', team.id, '--user', bob.userId])).toBe(
      `Removed ${bob.userId} from team ${team.id}.\n`,
    );
    expect(await selectedTeamInSync(bob.userId)).toBeNull();
    const left = (await cli(['teams', 'members', ...project, '--team', team.id, '--json'])) as ListedMember[];
    expect(left.map((member) => member.userId)).toEqual([alice.userId]);
    expect(await cli(['teams', 'list', ...project, '--user', bob.userId, '--json'])).toEqual([]);
  });

  it('refuses unknown projects, teams and users, duplicates and bad IDs with a message and exit code 1', async () => {
    const alice = await signUp(t);
    const outsider = await signUp(t);
    const team = (await cli(['teams', 'create', ...project, '--name', 'Errors', '--creator', alice.userId, '--json'])) as ListedTeam;
    const nobody = randomUUID();
    const cases: Array<[string[], RegExp]> = [
      [['teams', 'list', '--project', randomUUID(), ...db], /No project with the ID/],
      [['teams', 'list', ...project, '--user', nobody], new RegExp(`has no user ${nobody}`)],
      [['teams', 'list', ...project, '--user', 'me'], /--user must be a UUID/],
      [['teams', 'create', ...project, '--name', '  '], /--name must be 1 to 256 characters/],
      [['teams', 'create', ...project, '--name', 'X', '--creator', nobody], new RegExp(`has no user ${nobody}`)],
      [['teams', 'add-member', ...project, '--team', nobody, '--user', alice.userId], new RegExp(`has no team ${nobody}`)],
      [['teams', 'add-member', ...project, '--team', team.id, '--user', nobody], new RegExp(`has no user ${nobody}`)],
      [['teams', 'add-member', ...project, '--team', team.id, '--user', alice.userId], /is already a member of team/],
      [['teams', 'add-member', ...project, '--team', 'not-a-team', '--user', alice.userId], /--team must be a UUID/],
      [['teams', 'remove-member', ...project, '--team', nobody, '--user', alice.userId], new RegExp(`has no team ${nobody}`)],
      [['teams', 'remove-member', ...project, '--team', team.id, '--user', nobody], new RegExp(`has no user ${nobody}`)],
      [['teams', 'remove-member', ...project, '--team', team.id, '--user', outsider.userId], /is not a member of team/],
      [['teams', 'members', ...project, '--team', nobody], new RegExp(`has no team ${nobody}`)],
    ];
    for (const [args, message] of cases) {
      const res = await runCli(args);
      expect(res.code, args.join(' ')).toBe(1);
      expect(res.stderr, args.join(' ')).toMatch(message);
      expect(res.stderr).not.toMatch(/internal error|\n\s+at /i);
    }
    // Nothing changed: no team from the refused create, Alice still the only member.
    const teams = (await cli(['teams', 'list', ...project, '--search', 'X', '--json'])) as ListedTeam[];
    expect(teams.filter((listed) => listed.displayName === 'X')).toEqual([]);
    const members = (await cli(['teams', 'members', ...project, '--team', team.id, '--json'])) as ListedMember[];
    expect(members.map((member) => member.userId)).toEqual([alice.userId]);
  });
});
