/**
 * A user's selected team is always a team it is in, also under races on PostgreSQL: selecting a team while leaving it,
 * or while the team is deleted, ends with either the selection cleared or the selection refused
 * (TEAM_MEMBERSHIP_NOT_FOUND), never a 500 and never a selection of a team the user is not in.
 */
import { expect, it } from 'vitest';
import { api, serverHeaders, useTestServer } from '../helpers/server.js';
import { signUp, withToken } from '../api/support.js';
import { addMember, serverTeam } from './support.js';

const t = useTestServer({ mode: 'postgres' });

async function selectionIsAMembership(userId: string): Promise<boolean> {
  const { rows } = await t.server.ctx.db.query<{ ok: boolean }>(
    `SELECT u.selected_team_id IS NULL OR EXISTS (SELECT 1 FROM authsync.team_members m WHERE m.team_id = u.selected_team_id AND m.user_id = u.id) AS ok
     FROM authsync.users u WHERE u.id = $1`,
    [userId],
  );
  return rows[0]!.ok;
}

it('selecting while leaving: every answer is 200 or TEAM_MEMBERSHIP_NOT_FOUND, the selection never dangles', async () => {
  const owner = await signUp(t);
  const bob = await signUp(t);
  const team = await serverTeam(t, 'Race', owner.userId);
  const id = team.id as string;
  for (let round = 0; round < 15; round++) {
    await addMember(t, id, bob.userId);
    const [select, leave] = await Promise.all([
      api(t, 'PATCH', '/users/me', { headers: withToken(t, bob.accessToken), body: { selected_team_id: id } }),
      api(t, 'DELETE', `/team-memberships/${id}/me`, { headers: withToken(t, bob.accessToken), body: {} }),
    ]);
    expect(leave.status, leave.text).toBe(200);
    expect([200, 404], select.text).toContain(select.status);
    if (select.status === 404) expect(select.json.code).toBe('TEAM_MEMBERSHIP_NOT_FOUND');
    expect(await selectionIsAMembership(bob.userId)).toBe(true);
    const me = await api(t, 'GET', `/users/${bob.userId}`, { headers: serverHeaders(t) });
    expect(me.json.selected_team_id).toBeNull();
  }
});

it('selecting while the team is deleted: the delete succeeds, the selection is refused or cleared', async () => {
  const owner = await signUp(t);
  for (let round = 0; round < 10; round++) {
    const team = await serverTeam(t, `Doomed ${round}`, owner.userId);
    const [select, remove] = await Promise.all([
      api(t, 'PATCH', '/users/me', { headers: withToken(t, owner.accessToken), body: { selected_team_id: team.id } }),
      api(t, 'DELETE', `/teams/${team.id}`, { headers: serverHeaders(t), body: {} }),
    ]);
    expect(remove.status, remove.text).toBe(200);
    expect([200, 404], select.text).toContain(select.status);
    expect(await selectionIsAMembership(owner.userId)).toBe(true);
    expect((await api(t, 'GET', `/users/${owner.userId}`, { headers: serverHeaders(t) })).json.selected_team_id).toBeNull();
  }
});
