/**
 * The real Stack SDK (@stackframe/js 2.8.39 and 2.8.108) on both stores, team methods (spec §3.7): a client creates a
 * team (selected, the token refreshed with the claim, the creator team_admin), lists teams and members, updates, leaves
 * and deletes; the server adds and removes members and grants and revokes permissions; hasPermission true and false;
 * client access refused where Stack refuses it, with Stack's errors.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeOnEachStore } from '../helpers/server.js';
import { STACK_JS_VERSIONS, stackJsApps } from '../helpers/stack-js.js';
import { decodePayload } from '../api/support.js';
import { setTeamConfig } from './support.js';

const PASSWORD = 'correct horse battery';
const CALLBACK = 'http://localhost:3000/handler/email-verification';

describeOnEachStore('teams through the SDK on %s', (t) => {
  beforeAll(async () => {
    await setTeamConfig(t, { client_team_creation_enabled: true, create_team_on_sign_up: false });
  });

  describe.each(STACK_JS_VERSIONS)('@stackframe/js %s', (version, sdk) => {
    const { clientApp, serverApp } = stackJsApps(t, sdk);

    /** A new user signed in on a new client app (so no SDK cache is shared with earlier reads). */
    async function signedUp(name: string) {
      const email = `${name}-${randomUUID().slice(0, 8)}@example.com`;
      const client = clientApp();
      const result = await client.signUpWithCredential({ email, password: PASSWORD, noRedirect: true, verificationCallbackUrl: CALLBACK });
      expect(result.status).toBe('ok');
      return { client, user: await client.getUser({ or: 'throw' }), email };
    }
    async function signedIn(email: string) {
      const client = clientApp();
      expect((await client.signInWithCredential({ email, password: PASSWORD, noRedirect: true })).status).toBe('ok');
      return client.getUser({ or: 'throw' });
    }

    it('client: createTeam → selected, the token carries it, the creator is team_admin; list, get, update, listUsers, delete', async () => {
      const { client, user, email } = await signedUp('creator');
      const team = await user.createTeam({ displayName: "Dave's Org" });
      expect(team.displayName).toBe("Dave's Org");

      const after = await client.getUser({ or: 'throw' });
      expect(after.selectedTeam?.id).toBe(team.id);
      // 2.8.77+ refresh the token after the PATCH (spec §3.5); 2.8.39 keeps its token, so its next session has the claim.
      const holder = version === '2.8.39' ? await signedIn(email) : after;
      const token = (await holder.getAuthJson()).accessToken!;
      expect(decodePayload(token).selected_team_id).toBe(team.id);

      expect(await user.hasPermission(team, 'team_admin')).toBe(true);
      expect(await user.hasPermission(team, '$delete_team')).toBe(true);
      expect((await user.listPermissions(team)).map((p) => p.id).sort()).toEqual([
        '$delete_team',
        '$invite_members',
        '$manage_api_keys',
        '$read_members',
        '$remove_members',
        '$update_team',
        'team_admin',
      ]);
      expect((await user.listTeams()).map((t) => t.id)).toEqual([team.id]);
      expect((await user.getTeam(team.id))?.displayName).toBe("Dave's Org");

      await team.update({ displayName: 'Renamed', clientMetadata: { plan: 'pro' } });
      const fresh = await signedIn(email);
      const reread = await fresh.getTeam(team.id);
      expect(reread).toMatchObject({ displayName: 'Renamed', clientMetadata: { plan: 'pro' } });
      expect((await reread!.listUsers()).map((u) => u.id)).toEqual([user.id]);

      await reread!.delete();
      expect(await (await signedIn(email)).listTeams()).toEqual([]);
      expect((await serverApp().getUser(user.id))?.selectedTeam).toBeNull();
    });

    it('server: createTeam, addUser (twice → TEAM_MEMBERSHIP_ALREADY_EXISTS), grant/revoke, hasPermission, removeUser; members leave', async () => {
      const alice = await signedUp('alice');
      const bob = await signedUp('bob');
      const server = serverApp();
      const team = await server.createTeam({ displayName: 'Server team', creatorUserId: alice.user.id });
      await team.addUser(bob.user.id);
      await expect(team.addUser(bob.user.id)).rejects.toMatchObject({ errorCode: 'TEAM_MEMBERSHIP_ALREADY_EXISTS' });
      expect((await team.listUsers()).map((u) => u.id).sort()).toEqual([alice.user.id, bob.user.id].sort());
      expect((await server.getTeam(team.id))?.displayName).toBe('Server team');
      expect((await (await server.getUser(bob.user.id))!.listTeams()).map((t) => t.id)).toEqual([team.id]);

      const bobClient = await signedIn(bob.email);
      const bobsTeam = (await bobClient.getTeam(team.id))!;
      expect(await bobClient.hasPermission(bobsTeam, 'team_member')).toBe(true);
      expect(await bobClient.hasPermission(bobsTeam, '$read_members')).toBe(true);
      expect(await bobClient.hasPermission(bobsTeam, '$update_team')).toBe(false);
      expect((await bobsTeam.listUsers()).length).toBe(2);
      // Not an admin: Stack's 401 TEAM_PERMISSION_REQUIRED.
      await expect(bobsTeam.update({ displayName: 'Bob was here' })).rejects.toMatchObject({ errorCode: 'TEAM_PERMISSION_REQUIRED' });

      const serverBob = (await server.getUser(bob.user.id))!;
      await serverBob.grantPermission(team, 'team_admin');
      expect(await (await signedIn(bob.email)).hasPermission(team, '$update_team')).toBe(true);
      await serverBob.revokePermission(team, 'team_admin');
      expect(await (await signedIn(bob.email)).hasPermission(team, '$update_team')).toBe(false);

      await serverBob.setSelectedTeam(team);
      expect((await server.getUser(bob.user.id))?.selectedTeam?.id).toBe(team.id);
      const leaving = await signedIn(bob.email);
      await leaving.leaveTeam((await leaving.getTeam(team.id))!);
      expect(await (await signedIn(bob.email)).listTeams()).toEqual([]);
      expect((await server.getUser(bob.user.id))?.selectedTeam).toBeNull();

      const carol = await signedUp('carol');
      await team.addUser(carol.user.id);
      await team.removeUser(carol.user.id);
      expect((await team.listUsers()).map((u) => u.id)).toEqual([alice.user.id]);
      await team.delete();
      expect((await server.listTeams()).map((t) => t.id)).not.toContain(team.id);
    });

    it('client access refused: a team one is not in is not found; creating is refused when the project disallows it', async () => {
      const outsider = await signedUp('outsider');
      const team = await serverApp().createTeam({ displayName: 'Private' });
      expect(await outsider.user.getTeam(team.id)).toBeNull();
      await setTeamConfig(t, { client_team_creation_enabled: false });
      try {
        await expect(outsider.user.createTeam({ displayName: 'Not allowed' })).rejects.toThrow(/Client team creation is disabled/);
      } finally {
        await setTeamConfig(t, { client_team_creation_enabled: true });
      }
    });
  });
});
