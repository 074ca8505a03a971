/**
 * `authsync import stack`: every user, team and membership of a project on a Stack Auth-compatible server, read with
 * server access and written into an authsync project under the same IDs. In three phases, each saved as it goes
 * (import-runs.ts), so an interrupted run continues where it stopped:
 * 1. teams (GET /teams), so that the users' teams exist;
 * 2. users, page by page (GET /users with anonymous and restricted users; a deleted user is not listed, so not imported);
 * 3. memberships of each team (GET /users?team_id=…, GET /team-permissions?team_id=…), and each member's selected team.
 */
import type { AppContext } from '../context/app-context.js';
import { saveRun, startRun } from './import-runs.js';
import { markLazyPasswordUsers, setLazyPasswordSource } from './lazy-passwords.js';
import { getFromSource, listItems, apiRoot, type StackSource } from './stack-source.js';
import { countUser, type ImportSummary } from './summary.js';
import { writeMembership, writeTeam } from './write-team.js';
import { writeUser } from './write-user.js';

export interface StackImportOptions {
  /** Work out what would change, write nothing (and keep no state). @default false */
  dryRun?: boolean;
  /** Users per page read from the old server. @default 200 */
  pageSize?: number;
  /** Called after each page or team, with the summary so far. */
  onProgress?: (phase: string, summary: ImportSummary) => void;
  /**
   * Lazy password migration (lazy-passwords.ts): the old server becomes the project's source of passwords, and each
   * imported user who has a password there (`has_password`) and none here is marked. @default false
   */
  lazyPasswords?: boolean;
}

type Phase = 'teams' | 'users' | 'memberships';

/** The key of a run in import_runs: the old server and project (never the key). */
export function stackSourceName(source: StackSource): string {
  return `stack ${apiRoot(source.url)} ${source.projectId}`;
}

export async function importFromStack(
  ctx: AppContext,
  projectId: string,
  source: StackSource,
  options: StackImportOptions = {},
): Promise<ImportSummary> {
  const dryRun = options.dryRun ?? false;
  const name = stackSourceName(source);
  const run = await startRun(ctx.db, projectId, name, 'teams', dryRun);
  const save = async (phase: Phase, cursor: string | null) => {
    run.phase = phase;
    run.cursor = cursor;
    if (!dryRun) await saveRun(ctx.db, projectId, name, run);
    options.onProgress?.(phase, run.summary);
  };

  // Checks the key before anything is written, even when resuming past the teams.
  const teams = listItems(await getFromSource(source, '/teams'), '/teams').items;
  const teamIds = teams.map((team) => String((team as { id?: unknown }).id ?? '').toLowerCase()).sort();
  const lazyPasswords = options.lazyPasswords === true && !dryRun;
  if (lazyPasswords) {
    const key = { keyKind: 'secret_server' as const, key: source.secretServerKey };
    await setLazyPasswordSource(ctx.db, ctx.box, projectId, { baseUrl: source.url, oldProjectId: source.projectId, ...key });
  }

  if (run.phase === 'teams') {
    for (const team of teams) {
      const outcome = await writeTeam(ctx, projectId, team, { dryRun });
      if (typeof outcome === 'object')
        run.summary.skipped.push({ id: `team ${String((team as { id?: unknown }).id)}`, reason: outcome.skipped });
      else run.summary.teams[outcome] += 1;
    }
    await save('users', null);
  }

  if (run.phase === 'users') {
    let cursor = run.cursor;
    for (;;) {
      const query: Record<string, string> = {
        limit: String(options.pageSize ?? 200),
        include_anonymous: 'true',
        include_restricted: 'true',
      };
      if (cursor) query.cursor = cursor;
      const page = listItems(await getFromSource(source, '/users', query), '/users');
      for (const user of page.items) {
        countUser(run.summary, String((user as { id?: unknown }).id), await writeUser(ctx, projectId, user, { dryRun }));
      }
      if (lazyPasswords) {
        const withPassword = (page.items as { id?: unknown; has_password?: unknown }[]).filter((user) => user.has_password === true);
        await markLazyPasswordUsers(
          ctx.db,
          projectId,
          withPassword.map((user) => String(user.id)),
        );
      }
      cursor = page.nextCursor;
      if (!cursor) break;
      await save('users', cursor);
    }
    await save('memberships', null);
  }

  if (run.phase === 'memberships') {
    for (const teamId of teamIds.filter((id) => run.cursor === null || id > run.cursor)) {
      await importMembers(ctx, projectId, source, teamId, run.summary, dryRun);
      await save('memberships', teamId);
    }
  }
  if (!dryRun) await saveRun(ctx.db, projectId, name, run, true);
  return run.summary;
}

async function importMembers(
  ctx: AppContext,
  projectId: string,
  source: StackSource,
  teamId: string,
  summary: ImportSummary,
  dryRun: boolean,
): Promise<void> {
  const members = listItems(await getFromSource(source, '/users', { team_id: teamId, include_anonymous: 'true' }), '/users').items;
  const grants = listItems(await getFromSource(source, '/team-permissions', { team_id: teamId }), '/team-permissions').items as {
    id?: unknown;
    user_id?: unknown;
  }[];
  for (const member of members as { id?: unknown; selected_team_id?: unknown }[]) {
    const userId = String(member.id).toLowerCase();
    const permissions = grants.filter((g) => String(g.user_id).toLowerCase() === userId).map((g) => String(g.id));
    const outcome = await writeMembership(ctx, projectId, teamId, userId, permissions, { dryRun });
    if (typeof outcome === 'object') continue; // a user the import skipped: already in the summary
    summary.memberships[outcome] += 1;
    // The member's selected team can be set now that the membership exists.
    if (!dryRun && String(member.selected_team_id ?? '').toLowerCase() === teamId) await writeUser(ctx, projectId, member);
  }
}
