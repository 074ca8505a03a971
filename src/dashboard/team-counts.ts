/** What the Teams page reads besides the team functions: the number of members of each of a project's teams. */
import type { Queryable } from '../db/database.js';

export async function memberCounts(db: Queryable, projectId: string): Promise<Map<string, number>> {
  const { rows } = await db.query<{ team_id: string; members: number }>(
    'SELECT team_id, count(*)::int AS members FROM authsync.team_members WHERE project_id = $1 GROUP BY team_id',
    [projectId],
  );
  return new Map(rows.map((row) => [row.team_id, row.members]));
}
