/**
 * Part 2b of `npm run bench:sql`: the team-membership policy of docs/teams.md
 *   EXISTS (SELECT 1 FROM neon_auth.team_members_sync m WHERE m.team_id = projects.team_id AND m.user_id = (select auth.user_id()))
 * against a policy comparing team_id to a constant, on the same 100,000 rows (1,000 teams of 100 rows; 5,000
 * memberships, 10 of them the user's), with the index authsync creates on team_members_sync (user_id, team_id) and one
 * on team_id of the app's table. Run on an end-user connection already signed in as the user (role authenticated):
 *  - count(*) over every row (a sequential scan: each policy runs once per row);
 *  - one team's rows (`WHERE team_id = $1`, 100 rows through the team_id index).
 * The two policies interleaved: five rounds of 3 counts and 40 one-team queries each; the median of the rounds' medians.
 * The memberships are written straight into team_members_sync (the rows authsync would keep for 1,000 teams): what
 * is measured is the policy reading them, not how they got there.
 */
import type pg from 'pg';

export interface TeamPolicyFigures {
  plan: string;
  countConst: number;
  countTeam: number;
  oneTeamConst: number;
  oneTeamTeam: number;
  visible: number;
}

const TEAMS = 1_000;
const ROWS_PER_TEAM = 100;
const MEMBERS_PER_TEAM = 5;
const USER_TEAMS = 10;

const median = (list: number[]) => [...list].sort((a, b) => a - b)[list.length >> 1]!;

export const TEAM_POLICY = (table: string) =>
  `EXISTS (SELECT 1 FROM neon_auth.team_members_sync m WHERE m.team_id = ${table}.team_id AND m.user_id = (select auth.user_id()))`;

export async function benchTeamPolicy(direct: pg.Pool, endUser: pg.Client, userId: string): Promise<TeamPolicyFigures> {
  const team = (i: number | string) => `'00000000-0000-4000-8000-' || lpad((${i})::text, 12, '0')`;
  // The user is a member of teams 0..9; every team has 5 members.
  await direct.query(
    `INSERT INTO neon_auth.team_members_sync (team_id, user_id, created_at)
     SELECT ${team('t')}, CASE WHEN t < ${USER_TEAMS} AND k = 0 THEN $1 ELSE 'member ' || t || '-' || k END, now()
     FROM generate_series(0, ${TEAMS - 1}) t, generate_series(0, ${MEMBERS_PER_TEAM - 1}) k`,
    [userId],
  );
  for (const [name, policy] of [
    ['team_rows_const', `(select 'x' = "team_rows_const"."team_id")`],
    ['team_rows_team', TEAM_POLICY('team_rows_team')],
  ] as const) {
    await direct.query(
      `CREATE TABLE ${name} AS SELECT i AS id, ${team(`i % ${TEAMS}`)} AS team_id, 'project ' || i AS name
       FROM generate_series(1, ${TEAMS * ROWS_PER_TEAM}) i`,
    );
    await direct.query(`CREATE INDEX ON ${name} (team_id)`);
    await direct.query(`ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY`);
    await direct.query(`CREATE POLICY p ON ${name} FOR SELECT TO authenticated USING (${policy})`);
    await direct.query(`GRANT SELECT ON ${name} TO authenticated`);
  }
  await direct.query('ANALYZE');

  const plan = (await endUser.query('EXPLAIN (COSTS OFF) SELECT count(*) FROM team_rows_team')).rows
    .map((r: Record<string, string>) => r['QUERY PLAN']!.trim())
    .join('; ');
  const visible = Number((await endUser.query('SELECT count(*) AS n FROM team_rows_team')).rows[0].n);
  if (visible !== USER_TEAMS * ROWS_PER_TEAM) throw new Error(`the team policy shows ${visible} rows, not ${USER_TEAMS * ROWS_PER_TEAM}`);
  const timed = async (runs: number, sql: string, params: unknown[] = []) => {
    const times: number[] = [];
    for (let r = 0; r < runs; r++) {
      const start = performance.now();
      await endUser.query(sql, params);
      times.push(performance.now() - start);
    }
    return median(times);
  };
  // Interleaved, so a change in the machine's load hits both alike.
  const counts = { const: [] as number[], team: [] as number[] };
  const oneTeam = { const: [] as number[], team: [] as number[] };
  const mine = `00000000-0000-4000-8000-${'3'.padStart(12, '0')}`;
  for (let round = 0; round < 5; round++) {
    counts.const.push(await timed(3, 'SELECT count(*) FROM team_rows_const'));
    counts.team.push(await timed(3, 'SELECT count(*) FROM team_rows_team'));
    oneTeam.const.push(await timed(40, 'SELECT id, name FROM team_rows_const WHERE team_id = $1', [mine]));
    oneTeam.team.push(await timed(40, 'SELECT id, name FROM team_rows_team WHERE team_id = $1', [mine]));
  }
  return {
    plan,
    visible,
    countConst: median(counts.const),
    countTeam: median(counts.team),
    oneTeamConst: median(oneTeam.const),
    oneTeamTeam: median(oneTeam.team),
  };
}
