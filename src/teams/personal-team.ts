/**
 * Personal teams: when a project sets `create_team_on_sign_up`, every new user, whichever path created it (password,
 * OTP, OAuth, anonymous sign-up, server POST /users), gets a team of its own in its creating transaction: named
 * "<display name>'s Team", else "<e-mail>'s Team", else "Personal Team"; the user is its creator (team_admin) and it is
 * selected. The `created` change (users_sync) and the sign-up's first access token already carry it. When an anonymous
 * user is upgraded, a team of its own still called "Personal Team" is renamed by the same rule.
 */
import type { Queryable } from '../db/database.js';
import { parseProjectConfig } from '../projects/project-config.js';
import type { UserCreateHook, UserUpgradeHook } from '../users/user-store.js';
import type { UserRow } from '../users/user-object.js';
import { insertTeam } from './teams.js';

export function personalTeamName(user: Pick<UserRow, 'display_name' | 'primary_email'>): string {
  if (user.display_name) return `${user.display_name}'s Team`;
  if (user.primary_email) return `${user.primary_email}'s Team`;
  return 'Personal Team';
}

/** The user-store create hook (registered at start, server/app-context.ts). */
export const createPersonalTeam: UserCreateHook = async (tx: Queryable, user: UserRow) => {
  // Read in the transaction: on the embedded database a query outside it would wait for it to end.
  const { rows } = await tx.query<{ config: unknown }>('SELECT config FROM authsync.projects WHERE id = $1', [user.project_id]);
  if (!parseProjectConfig(rows[0]?.config).create_team_on_sign_up) return false;
  const team = await insertTeam(tx, user.project_id, { display_name: personalTeamName(user).slice(0, 256) }, user.id);
  await tx.query('UPDATE authsync.users SET selected_team_id = $1 WHERE id = $2', [team.id, user.id]);
  return true;
};

/** The user-store upgrade hook: renames the upgraded user's "Personal Team" (a team it alone is in) by the rule. */
export const renamePersonalTeam: UserUpgradeHook = async (tx: Queryable, user: UserRow) => {
  const name = personalTeamName(user).slice(0, 256);
  if (name === 'Personal Team') return;
  await tx.query(
    `UPDATE authsync.teams t SET display_name = $3
     WHERE t.project_id = $1 AND t.display_name = 'Personal Team'
       AND EXISTS (SELECT 1 FROM authsync.team_members m WHERE m.team_id = t.id AND m.user_id = $2)
       AND NOT EXISTS (SELECT 1 FROM authsync.team_members m WHERE m.team_id = t.id AND m.user_id <> $2)`,
    [user.project_id, user.id, name],
  );
};
